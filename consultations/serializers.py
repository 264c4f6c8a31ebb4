"""Request and response shapes of the written-opinion API.

Response serializers render what `consultations.api` assembles; request serializers only check
shape. Whether a poll may be prepared, sent, answered, closed or decided, and by whom, is
decided by `consultations.services`, so the API and the screens refuse the same things with
the same words.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from consultations.models import Consultation, Opinion, Question
from core.serializers import RejectUnknownFields
from meetings.models import Body
from meetings.serializers import PersonSerializer

# Responses


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "position", "text", "adopted"]
        read_only_fields = fields


class GivenAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(read_only=True)
    answer = serializers.ChoiceField(choices=Opinion.choices, read_only=True)
    comment = serializers.CharField(read_only=True)
    revision = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("1 for the first answer; higher once changed.")
    )
    answered_at = serializers.DateTimeField(read_only=True)


class YourPartSerializer(serializers.Serializer):
    recipient = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("Whether the poll was sent to you to answer.")
    )
    answers = GivenAnswerSerializer(
        many=True, read_only=True, help_text=gettext_lazy("Your answers that count now.")
    )


class ConsultationAttachmentSerializer(serializers.Serializer):
    """A paper sent with the poll, stored as PDF."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    pages = serializers.IntegerField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Bytes of the PDF."))
    sha256 = serializers.CharField(read_only=True)
    url = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Where to read the PDF (inline, never cached).")
    )


class ConsultationSerializer(serializers.Serializer):
    """A written-opinion poll as the reader sees it."""

    id = serializers.IntegerField(read_only=True)
    body = serializers.IntegerField(source="body_id", read_only=True)
    subject = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    deadline = serializers.DateTimeField(read_only=True)
    reminder_hours = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=gettext_lazy(
            "When those who have not answered are reminded, in hours before the deadline."
        ),
    )
    status = serializers.ChoiceField(choices=Consultation.Status.choices, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    attachments = ConsultationAttachmentSerializer(
        many=True, read_only=True, help_text=gettext_lazy("The papers sent with the poll.")
    )
    recipients = serializers.IntegerField(
        source="recipient_total",
        read_only=True,
        help_text=gettext_lazy("How many members the poll was sent to (0 until sent)."),
    )
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_text = serializers.CharField(read_only=True)
    adopted = serializers.BooleanField(
        read_only=True, allow_null=True, help_text=gettext_lazy("null until the chair decides.")
    )
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    you = YourPartSerializer(source="your_part", read_only=True)


class QuestionResultSerializer(serializers.Serializer):
    """One question's tally, frozen at closing."""

    question = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    agree = serializers.IntegerField(read_only=True)
    disagree = serializers.IntegerField(read_only=True)
    comment_only = serializers.IntegerField(read_only=True)
    unanswered = serializers.IntegerField(read_only=True)
    passed = serializers.BooleanField(read_only=True)
    base = serializers.ChoiceField(choices=Body.MajorityBase.choices, read_only=True)
    base_count = serializers.IntegerField(read_only=True)
    tie = serializers.BooleanField(read_only=True)
    explanation = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The rule applied and the figures, in words.")
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # A serializer has a `required` of its own: the field is added here, not declared.
        fields = super().get_fields()
        fields["required"] = serializers.IntegerField(
            read_only=True, help_text=gettext_lazy("The agreeing answers needed to pass.")
        )
        return fields


class TallySerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=gettext_lazy("The ids of the members the poll was sent to, frozen at closing."),
    )
    members = serializers.IntegerField(read_only=True)
    closed_early = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("Closed by the secretariat before the deadline, all answers in."),
    )
    questions = QuestionResultSerializer(many=True, read_only=True)


class NamedAnswerSerializer(GivenAnswerSerializer):
    user = PersonSerializer(read_only=True)


class SignatureCheckSerializer(serializers.Serializer):
    checked = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Stored answers checked, earlier versions too.")
    )
    intact = serializers.BooleanField(read_only=True)
    broken = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=gettext_lazy("Ids of the stored answers whose signature no longer matches."),
    )


class ResultsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Consultation.Status.choices, read_only=True)
    answered = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("Members who have answered every question.")
    )
    recipients = serializers.IntegerField(read_only=True)
    tally = TallySerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("Once closed; null until then.")
    )
    answers = NamedAnswerSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "Who answered what (the answers that count): for the secretariat and the chair at "
            "any time, for the others once closed; null when not visible to you."
        ),
    )
    signatures = SignatureCheckSerializer(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("For the secretariat and the chair; null for the others."),
    )


# Requests


class ConsultationCreateSerializer(RejectUnknownFields):
    # Blank values reach the service, which says what to do about them.
    subject = serializers.CharField(max_length=300, allow_blank=True)
    description = serializers.CharField(max_length=20000, allow_blank=True, default="")
    deadline = serializers.DateTimeField()
    questions = serializers.ListField(
        child=serializers.CharField(max_length=1000, allow_blank=True),
        help_text=gettext_lazy("The questions in order; each is decided on its own."),
    )
    reminder_hours = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "Hours before the deadline to remind those who have not answered; left out: the "
            "site's default (72, 24 and 2 unless configured)."
        ),
    )


class ConsultationAttachmentCreateSerializer(RejectUnknownFields):
    # A blank title reaches the service, which says what to do about it.
    title = serializers.CharField(max_length=300, allow_blank=True)
    file = serializers.FileField(
        help_text=gettext_lazy("PDF, Word, PowerPoint or OpenDocument (converted to PDF).")
    )


class AnswerInputSerializer(RejectUnknownFields):
    question = serializers.IntegerField()
    answer = serializers.ChoiceField(choices=Opinion.choices)
    comment = serializers.CharField(max_length=5000, allow_blank=True, default="")


class AnswersSubmitSerializer(RejectUnknownFields):
    answers = AnswerInputSerializer(many=True, allow_empty=False)


class DecisionSerializer(RejectUnknownFields):
    """`questions` maps each question's id to whether it is adopted; `adopted` alone decides
    every question alike. One of the two."""

    text = serializers.CharField(max_length=5000, allow_blank=True)
    adopted = serializers.BooleanField(required=False)
    questions = serializers.DictField(child=serializers.BooleanField(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("adopted" in attrs) == ("questions" in attrs):
            raise serializers.ValidationError(
                {"adopted": [gettext_lazy("Give either `adopted` or `questions`.")]}
            )
        if "questions" in attrs:
            try:
                attrs["adopted"] = {
                    int(key): value for key, value in attrs.pop("questions").items()
                }
            except ValueError:
                raise serializers.ValidationError(
                    {"questions": [gettext_lazy("Name each question by its id.")]}
                ) from None
        return attrs
