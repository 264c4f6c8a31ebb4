from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agendas.models import AgendaItem
from meetings.models import Body, Meeting


class Poll(models.Model):
    """A vote on an agenda item, decided under the body's rules when the chair closes it."""

    class Secrecy(models.TextChoices):
        NAMED = "named", _("Named (roll call)")
        SECRET = "secret", _("Secret ballot")

    class Method(models.TextChoices):
        YES_NO = "yes_no", _("Yes, no or abstain")
        CHOICE = "choice", _("A choice among options")

    class Majority(models.TextChoices):
        BODY = "body", _("The body's majority")
        TWO_THIRDS = "two_thirds", _("Two thirds")
        THREE_QUARTERS = "three_quarters", _("Three quarters")
        UNANIMOUS = "unanimous", _("Unanimous (all of the votes cast)")
        GENERAL_CONSENT = "general_consent", _("General consent (if there is no objection)")
        RESCIND = (
            "rescind",
            _("Two thirds of the votes cast, or more than half of all members (to rescind)"),
        )

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("vote", "Prepared")
        OPEN = "open", pgettext_lazy("vote", "Open")
        CLOSED = "closed", pgettext_lazy("vote", "Closed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="polls")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="polls")
    question = models.CharField(_("question"), max_length=500)
    secrecy = models.CharField(
        _("ballot"), max_length=10, choices=Secrecy.choices, default=Secrecy.NAMED
    )
    method = models.CharField(
        _("answers"), max_length=10, choices=Method.choices, default=Method.YES_NO
    )
    max_choices = models.PositiveSmallIntegerField(_("choices per voter"), default=1)
    majority = models.CharField(
        _("majority"), max_length=20, choices=Majority.choices, default=Majority.BODY
    )
    # Adjourn, recess, fix the time to adjourn, obtain a quorum: may be decided without one.
    procedural = models.BooleanField(_("procedural motion"), default=False)
    closes_at = models.DateTimeField(_("closes by itself at"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Frozen at closing: the figures, the rule applied, the outcome and its explanation, and
    # the people entitled to vote at that moment.
    result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"], condition=Q(status="open"), name="one_open_poll_per_meeting"
            ),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="poll_allows_a_choice"),
        ]

    def __str__(self) -> str:
        return self.question


class CloseRequest(models.Model):
    """That the chair (or the clock) asked to close an open poll. Written and committed before
    the close waits for the ballots in flight, which it cannot do on the poll row itself: the
    voters hold that row in share mode, and PostgreSQL lets a new voter share it ahead of a
    waiting close. A ballot that finds it is refused."""

    poll = models.OneToOneField(
        Poll, on_delete=models.CASCADE, primary_key=True, related_name="close_request"
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Close {self.poll_id}"


class Option(models.Model):
    """One of the choices of a choice poll."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("option"), max_length=300)

    class Meta:
        ordering = ["poll", "position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="option_position_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    ABSTAIN = "abstain", _("Abstain")


class Participation(models.Model):
    """That a person voted in a poll (and when), never what: one row per voter and poll,
    which the database keeps unique. `request_key` makes a retried request idempotent."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="participations")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(auto_now_add=True)
    request_key = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="one_vote_per_person_and_poll")
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} voted in {self.poll_id}"


class Ballot(models.Model):
    """What was voted. A named ballot carries its voter and is written when cast. A secret
    ballot carries nobody, has no time and a random id, and is written only when the vote
    closes, with all the others, in a random order (`SealedBallot` until then)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    # The chosen options' ids: a join table would number the rows in the order cast.
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "voter"],
                condition=Q(voter__isnull=False),
                name="one_named_ballot_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Ballot in {self.poll_id}"


class SealedBallot(models.Model):
    """A secret ballot while its vote is open: encrypted, padded, and moved to `Ballot` in a
    random order when the vote closes (voting/sealing.py). Nothing here says when or by whom."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="sealed_ballots")
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"Sealed ballot in {self.poll_id}"


class Recusal(models.Model):
    """A member's declared conflict of interest on an item: they do not vote on it."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="one_recusal_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} recused from {self.item_id}"


class ExtraordinaryRequest(models.Model):
    """A member's request for an extraordinary meeting of their body. The requests made since
    the body's last extraordinary meeting was prepared are the ones that count."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["body", "requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.member_id} asks {self.body_id} for an extraordinary meeting"
