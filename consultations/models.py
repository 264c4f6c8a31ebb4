"""Written-opinion polls ("phiếu lấy ý kiến"): a body's members answer in writing by a deadline,
between meetings, and each question is tallied against all the members it was sent to."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.models import Body


class Consultation(models.Model):
    """A written-opinion poll: prepared and sent by the secretariat, answered by the body's
    voting members, closed at its deadline, and decided by the chair."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("consultation", "Draft")
        OPEN = "open", pgettext_lazy("consultation", "Sent, awaiting answers")
        CLOSED = "closed", pgettext_lazy("consultation", "Closed")
        DECIDED = "decided", pgettext_lazy("consultation", "Decided")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="consultations")
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(_("explanation"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    # Hours before the deadline at which those who have not answered are reminded.
    reminder_hours = models.JSONField(_("reminders (hours before the deadline)"), default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Frozen at closing: the recipients, and per question the figures, the rule applied, the
    # outcome and its explanation.
    result = models.JSONField(null=True, blank=True)
    decision_text = models.TextField(_("decision"), blank=True)
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("written-opinion poll")
        verbose_name_plural = _("written-opinion polls")

    def __str__(self) -> str:
        return self.subject


class Question(models.Model):
    """One question of a poll; each is decided on its own."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("question"), max_length=1000)
    # The chair's decision on this question, once the poll is decided.
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "position"], name="question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text


def attachment_path(attachment: Attachment, filename: str) -> str:
    # Stored names are random: a file path never tells what the paper is.
    return f"consultations/{attachment.consultation_id}/{uuid.uuid4().hex}.pdf"


class Attachment(models.Model):
    """A paper sent with the poll, always stored as PDF (other formats are converted first).
    Papers change only while the poll is a draft: once sent, they are what the members were
    asked about."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation", "uploaded_at", "pk"]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    def __str__(self) -> str:
        return self.title


class Recipient(models.Model):
    """A member the poll was sent to: the body's current voting members when it was sent."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="recipient_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asked in {self.consultation_id}"


class Opinion(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    COMMENT = "comment", _("Comment only")


class Answer(models.Model):
    """One answer to one question, as given at one moment. Answers are only ever added: a
    changed answer is a new revision, and the latest revision is the one that counts.

    `signature` is an HMAC over the answer's canonical form (`consultations.signing`), so a row
    changed in the database no longer verifies. `session_hash` is a keyed hash of the session
    the answer came from; the session key itself is never stored.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField()
    opinion = models.CharField(_("answer"), max_length=10, choices=Opinion.choices)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField()
    session_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["question", "user", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "user", "revision"], name="answer_revision_once"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="answer_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.question_id} (revision {self.revision})"


class Reminder(models.Model):
    """That a recipient was reminded at one of the poll's reminder times: at most once each,
    which the database keeps unique even when two workers send reminders at once."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hours_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user", "hours_before"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reminded {self.hours_before}h before {self.consultation_id}"
