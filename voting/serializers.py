"""Request and response shapes of the voting API.

As in `agendas.serializers`: response serializers render what the API's reads assemble;
request serializers only check shape (types, lengths, choices). Whether a vote may be prepared,
opened, closed or cast, and by whom, is decided by `voting.services`, so the API and the
screens refuse the same things with the same words.

What a person sees of a vote is decided here once for every endpoint: while a vote is open
only its turnout; once closed the frozen result, with the roll call only for a named vote; and
of ballots, only the person's own named ballot.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.serializers import RejectUnknownFields
from meetings.models import Body
from meetings.serializers import PersonSerializer
from voting.models import Answer, Option, Poll, Recusal

# Responses


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Option
        fields = ["id", "position", "label"]
        read_only_fields = fields


class YourVoteSerializer(serializers.Serializer):
    """The reader's own part in the vote (`voting.api.YourVote`)."""

    entitled = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "Whether you may vote now (present, with a voting right, not recused); for a "
            "closed vote, whether you were entitled when it closed."
        ),
    )
    voted = serializers.BooleanField(read_only=True)
    answer = serializers.ChoiceField(
        choices=Answer.choices,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Your answer in a named vote; always null in a secret vote, which cannot be "
            "traced back to you."
        ),
    )
    choices = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "The options you chose in a named choice vote; always null in a secret vote."
        ),
    )


class CountSerializer(serializers.Serializer):
    """One line of the count: an answer (yes, no, abstain) or an option."""

    answer = serializers.ChoiceField(
        choices=Answer.choices,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("null on an option's line."),
    )
    option = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("null on an answer's line.")
    )
    count = serializers.IntegerField(read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        # Added here rather than declared: a class attribute called `label` would shadow the
        # serializer's own `label` (a serializer is a field too).
        fields = super().get_fields()
        label = serializers.CharField(read_only=True)
        return {name: fields[name] for name in ("answer", "option")} | {
            "label": label,
            "count": fields["count"],
        }


class RollCallSerializer(serializers.Serializer):
    """How one member with a voting right voted in a named vote, or that they did not."""

    STATUSES = ("yes", "no", "abstain", "chose", "did_not_vote", "recused")

    user = serializers.IntegerField(read_only=True, help_text=gettext_lazy("The member."))
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=STATUSES,
        read_only=True,
        help_text=gettext_lazy(
            "yes, no, abstain, chose (options), did_not_vote, or recused (declared a conflict "
            "of interest on the item)."
        ),
    )
    vote = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            '"Yes", "No", "Abstain", the options chosen, "Did not vote" or "Recused", in words.'
        ),
    )
    substitute = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The substitute who voted for the member, if one did."),
    )


class PollResultSerializer(serializers.Serializer):
    """The result frozen when the vote closed (`voting.outcome.result_of`)."""

    passed = serializers.BooleanField(read_only=True)
    void = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "The quorum was lost before the vote closed: it decides nothing (a procedural "
            "motion is never void)."
        ),
    )
    objected = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Under general consent, whether someone objected (the question is then put to a "
            "vote); null otherwise."
        ),
    )
    explanation = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The rule applied and the figures, in words.")
    )
    counts = CountSerializer(many=True, read_only=True)
    base = serializers.ChoiceField(
        choices=Body.MajorityBase.choices,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("What the majority is counted of; null under general consent."),
    )
    base_count = serializers.IntegerField(read_only=True)
    members = serializers.IntegerField(
        read_only=True,
        help_text=gettext_lazy(
            "The members with a voting right, those recused from the item included."
        ),
    )
    present = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("How many of them were present when it closed.")
    )
    recused = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=gettext_lazy(
            "The ids of the members who declared a conflict of interest on the item."
        ),
    )
    entitled = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=gettext_lazy("The ids of the people entitled to vote when the vote closed."),
    )
    reached = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "In a choice vote, the options that reached the majority; null otherwise."
        ),
    )
    roll_call = RollCallSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Who voted how, by name: in a named vote only; null otherwise."),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # Added here rather than declared, like `CountSerializer.label`: the serializer has a
        # `required` of its own.
        fields = super().get_fields()
        required = serializers.IntegerField(
            read_only=True,
            allow_null=True,
            help_text=gettext_lazy("The votes needed to pass; null under general consent."),
        )
        names = list(fields)
        at = names.index("counts") + 1
        return {
            **{name: fields[name] for name in names[:at]},
            "required": required,
            **{name: fields[name] for name in names[at:]},
        }

    def to_representation(self, instance: Any) -> Any:
        # The frozen result leaves out what does not apply; the API always has every key.
        result: dict[str, Any] = instance
        return super().to_representation(
            {
                **result,
                "counts": [
                    {"answer": None, "option": None, **row} for row in result.get("counts", [])
                ],
                "reached": result.get("reached"),
                "void": result.get("void", False),
                "objected": result.get("objected"),
                "recused": result.get("recused", []),
                "roll_call": [{"substitute": None, **row} for row in result["roll_call"] or []]
                if result.get("roll_call") is not None
                else None,
            }
        )


class PollSerializer(serializers.Serializer):
    """A vote as the reader may see it (`voting.api.PollRow`)."""

    id = serializers.IntegerField(source="poll.pk", read_only=True)
    meeting = serializers.IntegerField(source="poll.meeting_id", read_only=True)
    item = serializers.IntegerField(source="poll.item_id", read_only=True)
    question = serializers.CharField(source="poll.question", read_only=True)
    secrecy = serializers.ChoiceField(
        source="poll.secrecy", choices=Poll.Secrecy.choices, read_only=True
    )
    method = serializers.ChoiceField(
        source="poll.method", choices=Poll.Method.choices, read_only=True
    )
    max_choices = serializers.IntegerField(source="poll.max_choices", read_only=True)
    majority = serializers.ChoiceField(
        source="poll.majority", choices=Poll.Majority.choices, read_only=True
    )
    procedural = serializers.BooleanField(source="poll.procedural", read_only=True)
    options = OptionSerializer(
        source="poll.options",
        many=True,
        read_only=True,
        help_text=gettext_lazy("Empty for a yes-or-no vote."),
    )
    status = serializers.ChoiceField(
        source="poll.status", choices=Poll.Status.choices, read_only=True
    )
    closes_at = serializers.DateTimeField(
        source="poll.closes_at",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("When the vote closes by itself; null: the chair closes it."),
    )
    opened_at = serializers.DateTimeField(source="poll.opened_at", read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(source="poll.closed_at", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="poll.created_at", read_only=True)
    turnout = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("How many have voted.")
    )
    entitled = serializers.IntegerField(
        read_only=True,
        help_text=gettext_lazy(
            "How many may vote now; for a closed vote, how many could when it closed."
        ),
    )
    you = YourVoteSerializer(read_only=True)
    result = PollResultSerializer(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Once the vote is closed; null until then."),
    )


class RecusalSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)

    class Meta:
        model = Recusal
        fields = ["id", "item", "user", "reason", "declared_at"]
        read_only_fields = fields


# Requests


class PollCreateSerializer(RejectUnknownFields):
    """A vote to prepare on the item; it opens later."""

    # A blank question reaches the service, which says what to do about it.
    question = serializers.CharField(max_length=500, allow_blank=True)
    secrecy = serializers.ChoiceField(choices=Poll.Secrecy.choices, default=Poll.Secrecy.NAMED)
    method = serializers.ChoiceField(choices=Poll.Method.choices, default=Poll.Method.YES_NO)
    options = serializers.ListField(
        child=serializers.CharField(max_length=300),
        default=list,
        help_text=gettext_lazy("For a choice: the options' wording, in order. None otherwise."),
    )
    max_choices = serializers.IntegerField(
        default=1, help_text=gettext_lazy("For a choice: how many options each voter may choose.")
    )
    majority = serializers.ChoiceField(
        choices=Poll.Majority.choices,
        default=Poll.Majority.BODY,
        help_text=gettext_lazy(
            "general_consent: adopted unless a member answers no (objects); one objection "
            "means the question is put to a vote."
        ),
    )
    procedural = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "A procedural motion (adjourn, recess, fix the time to adjourn, obtain a quorum): "
            "opened and decided even without a quorum. Yes-or-no votes only."
        ),
    )
    closes_at = serializers.DateTimeField(
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Left out or null: the chair closes the vote."),
    )


class BallotCastSerializer(RejectUnknownFields):
    """A ballot: an `answer` in a yes-or-no vote; `choices` in a choice vote (or the answer
    `abstain` to choose none)."""

    answer = serializers.ChoiceField(choices=Answer.choices, required=False)
    choices = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=gettext_lazy("The ids of the options chosen."),
    )
    request_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "Chosen by the client, the same for every retry of one ballot: a retry after a "
            "lost answer is then recorded once."
        ),
    )


class RecusalDeclareSerializer(RejectUnknownFields):
    """A declared conflict of interest."""

    # A blank reason reaches the service, which says what to do about it.
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class ExtraordinaryRequestSerializer(serializers.Serializer):
    """One member's request for an extraordinary meeting."""

    member = PersonSerializer(read_only=True)
    reason = serializers.CharField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)


class ExtraordinaryDemandSerializer(serializers.Serializer):
    """The requests made since the body's last extraordinary meeting was prepared, against the
    share of all members the body's rules require."""

    requesters = serializers.IntegerField(read_only=True)
    members = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("All members with a voting right.")
    )
    needed = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("How many requests the body's rules require.")
    )
    reached = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "Enough members asked: the chair and the secretaries have been told by e-mail."
        ),
    )
    explanation = serializers.CharField(read_only=True)
    requests = ExtraordinaryRequestSerializer(many=True, read_only=True)


class ExtraordinaryRequestMakeSerializer(RejectUnknownFields):
    """Ask for an extraordinary meeting."""

    # A blank reason reaches the service, which says what to do about it.
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class PollCloseSerializer(RejectUnknownFields):
    """Close a vote; in an election, with the paper ballots the tellers found illegal."""

    illegal = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=9999,
        help_text=gettext_lazy(
            "Illegal paper ballots cast by members entitled to vote (choice votes only)."
        ),
    )
