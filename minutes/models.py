from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting


class Minutes(models.Model):
    """The minutes of a meeting: drafted from the record, edited by the secretary, approved by
    the chair, then signed by both. Once signed nothing changes; a correction is a new Minutes
    that names the one it corrects."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the chair")
        RETURNED = "returned", _("Returned with remarks")
        APPROVED = "approved", _("Approved, awaiting signatures")
        SECRETARY_SIGNED = "secretary_signed", _("Signed by the secretary")
        SIGNED = "signed", _("Signed")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    number = models.CharField(_("document number"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # The record as plain data (see minutes.draft): what the PDF's lists and tables show.
    record = models.JSONField(default=dict)
    # [{"key", "title", "text"}]: the narrative per section, which the secretary edits.
    sections = models.JSONField(default=list)
    language = models.CharField(max_length=10)
    remarks = models.TextField(_("the chair's remarks"), blank=True)
    # Set by an edit after the first submission: the approval then reads "approved as corrected".
    changed_after_submission = models.BooleanField(default=False)
    approved_as_corrected = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Where the two visible signature fields sit: {"secretary": {"page": 0, "box": [...]}, ...}.
    signature_boxes = models.JSONField(default=dict)
    # The current PDF: approved (with empty signature fields), then signed once, then twice.
    pdf = models.BinaryField(null=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the archive searches (minutes.archive): the sections' titles and texts and the
    # record's strings, in the 'simple' configuration. Written by the services that change the
    # text, in their transaction (minutes.archive.minutes_index); on PostgreSQL only, with a GIN
    # index made by the migration. SQLite leaves it empty and the archive matches substrings.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["meeting", "created_at", "pk"]
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(corrects__isnull=True),
                name="one_original_minutes_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=~Q(status="signed"),
                name="one_open_correction_per_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.meeting_id})"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class MinutesVersion(models.Model):
    """The text as it stood at each edit, submission, return and approval."""

    class Event(models.TextChoices):
        DRAFTED = "drafted", _("Drafted from the record")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned with remarks")
        APPROVED = "approved", _("Approved")

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    event = models.CharField(max_length=20, choices=Event.choices)
    sections = models.JSONField()
    remarks = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["minutes", "number"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="minutes_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.minutes_id} v{self.number} {self.event}"


class MinutesSignature(models.Model):
    """One signature applied to the minutes' PDF, as the signer's certificate named them."""

    class Role(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        CHAIR = "chair", _("Chair")

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=20, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certificate_subject = models.CharField(max_length=500)
    certificate_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["minutes", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "role"], name="one_signature_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.minutes_id} signed by {self.role}"


class ActionItem(models.Model):
    """A conclusion of a meeting that someone must carry out: a member of the body or an
    organisation (a ministry) outside the system, by a date. Followed up with notes until done;
    an overdue one may be put on a later meeting's agenda."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OUTSTANDING = (Status.OPEN, Status.IN_PROGRESS)

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="action_items")
    item = models.ForeignKey(
        "agendas.AgendaItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    text = models.TextField(_("task"), max_length=2000)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    assignee_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, editable=False
    )
    followed_up_in = models.OneToOneField(
        "agendas.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follows_up",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            # Exactly one assignee: a person of the body, or an organisation named in words.
            models.CheckConstraint(
                condition=(Q(assignee_user__isnull=False) & Q(assignee_organisation=""))
                | (Q(assignee_user__isnull=True) & ~Q(assignee_organisation="")),
                name="action_item_one_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_outstanding(self) -> bool:
        return self.status in self.OUTSTANDING

    @property
    def assignee_name(self) -> str:
        """Who the task is for, in words: the member's name, or the organisation."""
        if self.assignee_user is not None:
            return self.assignee_user.get_full_name() or self.assignee_user.username
        return self.assignee_organisation


class ActionNote(models.Model):
    """A follow-up note, kept as written: the history of the task."""

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=2000, blank=True)
    # The status the note moved the item to, if it changed it.
    status = models.CharField(max_length=20, choices=ActionItem.Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "created_at", "pk"]
        verbose_name = _("follow-up note")
        verbose_name_plural = _("follow-up notes")

    def __str__(self) -> str:
        return f"{self.action_id}: {self.text[:60]}"


class LinkedConsultation(models.Model):
    """A written-opinion poll reported in a meeting's minutes, as the secretariat linked it:
    usually the next meeting of the body after the poll closed. A poll is reported once."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="linked_consultations"
    )
    consultation = models.OneToOneField(
        "consultations.Consultation", on_delete=models.PROTECT, related_name="minutes_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "linked_at", "pk"]
        verbose_name = _("linked written-opinion poll")
        verbose_name_plural = _("linked written-opinion polls")

    def __str__(self) -> str:
        return f"{self.consultation_id} reported in {self.meeting_id}"
