from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting


class Agenda(models.Model):
    """A meeting's agenda as a whole: whether members see it yet, and the chair's timer."""

    meeting = models.OneToOneField(
        Meeting, primary_key=True, on_delete=models.CASCADE, related_name="agenda"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Offered when the chair gives the floor; the chair may change it per speaker.
    speaking_limit_seconds = models.PositiveIntegerField(
        _("speaking time limit (seconds)"), null=True, blank=True
    )
    timer_started_at = models.DateTimeField(null=True, blank=True)
    timer_ends_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Agenda of {self.meeting_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class AgendaItem(models.Model):
    """One point of the agenda. Items nest (1, 1.1, 1.2); `position` orders siblings, and the
    number shown ("1.2") follows from the tree, so reordering renumbers everything at once."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("For decision")
        DISCUSSION = "discussion", _("For discussion")
        INFORMATION = "information", _("For information")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DEFERRED = "deferred", _("Deferred")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.DISCUSSION)
    presenter = models.CharField(
        _("presenter"), max_length=200, blank=True, help_text=_("A person or a ministry.")
    )
    planned_minutes = models.PositiveSmallIntegerField(_("planned duration (minutes)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, editable=False
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "parent_id", "position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status="in_progress"),
                name="one_item_in_progress_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Speaker(models.Model):
    """A request to speak on an item, and then the turn itself."""

    class Kind(models.TextChoices):
        SPEECH = "speech", _("Speech")
        POINT_OF_ORDER = "point_of_order", _("Point of order")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Speaking")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        NOT_CALLED = "not_called", _("Not called")

    # The meeting is repeated from the item so that the database can hold "one speaker at a
    # time" for the whole meeting.
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speakers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SPEECH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    limit_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["item", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user", "kind"],
                condition=Q(status="waiting"),
                name="one_waiting_request_per_person_and_kind",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status="speaking"),
                name="one_speaker_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.item_id}: {self.status}"


class Comment(models.Model):
    """A member's comment on an item. Nothing is ever removed: deleting and hiding mark the
    comment, and every edit keeps the earlier text, so the record stays complete."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["item", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} on {self.item_id}"

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class CommentRevision(models.Model):
    """The text a comment had before an edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "replaced_at", "pk"]

    def __str__(self) -> str:
        return f"{self.comment_id} before {self.replaced_at}"
