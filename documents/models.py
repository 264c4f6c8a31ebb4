"""Meeting documents, their versions, who read them, and members' private notes.

A document belongs to a meeting and, usually, to one of its agenda items. Replacing it adds a
version; earlier versions are kept. Who may view, download and annotate a document is held in
django-guardian object permissions (documents/permissions.py), granted from the document's
classification and the meeting's attendees, and changed per person by the secretariat.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agendas.models import AgendaItem
from meetings.models import Meeting


class Document(models.Model):
    class Kind(models.TextChoices):
        DRAFT_RESOLUTION = "draft_resolution", _("Draft resolution")
        REPORT = "report", _("Report")
        PRESENTATION = "presentation", _("Presentation")
        OTHER = "other", _("Other")

    class Classification(models.TextChoices):
        PUBLIC = "public", _("Public")
        INTERNAL = "internal", _("Internal")
        CONFIDENTIAL = "confidential", _("Confidential")
        SECRET = "secret", _("Secret")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        help_text=_("Leave empty for a paper about the whole meeting."),
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REPORT)
    classification = models.CharField(
        _("classification"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.INTERNAL,
    )
    # Orders the papers of one agenda item (or of the meeting) in the packet.
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "agenda_item_id", "position", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [
            ("download_document", "Download the document"),
            ("annotate_document", "Keep private notes on the document"),
        ]

    def __str__(self) -> str:
        return self.title


def version_path(version: DocumentVersion, filename: str) -> str:
    # Stored names are random: a file path never tells what the document is.
    return f"documents/{version.document.meeting_id}/{uuid.uuid4().hex}.pdf"


class DocumentVersion(models.Model):
    """One upload of a document, always stored as PDF (other formats are converted first)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    # One digest per page, in page order: a note on page 3 is flagged when page 3 changed in a
    # later version, and "changed since you read it" can name the pages.
    page_digests = models.JSONField(default=list)
    original_name = models.CharField(max_length=255)
    original_type = models.CharField(max_length=100)
    # The PDF's text as pdftotext reads it at upload, for the archive's full-text search.
    text = models.TextField(blank=True, default="", editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Packet(models.Model):
    """The meeting's set of papers as the members receive it: published or not yet."""

    meeting = models.OneToOneField(
        Meeting, primary_key=True, on_delete=models.CASCADE, related_name="packet"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Set when the meeting closed and confidential access was withdrawn.
    confidential_revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Packet of {self.meeting_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Access(models.Model):
    """Who opened or downloaded which version, when and from which session: the read receipts,
    and, for a watermarked copy, the record that traces a leaked copy back to its reader."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded")
        PACKET = "packet", _("Downloaded in the packet")
        OFFLINE = "offline", _("Kept on a device for offline reading")

    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_accesses"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)
    # A digest of the session key, never the key itself: the record must not hold credentials.
    session = models.CharField(max_length=64, blank=True)
    # The id printed on every page of a stamped copy: a confidential download, and also the
    # PDF streamed to the in-browser viewer for a confidential or secret paper (a browser can
    # keep what it was sent, so that is a copy too).
    copy_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "version"])]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.version} at {self.at}"


class Note(models.Model):
    """A member's private note on one page of a document. It stays with its page across
    versions; `page_digest` is the page as it was when the note was written."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="notes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_notes"
    )
    page = models.PositiveIntegerField()
    text = models.TextField(_("note"))
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    page_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document", "page", "created_at"]
        indexes = [models.Index(fields=["document", "user"])]
        constraints = [
            models.CheckConstraint(condition=Q(page__gte=1), name="note_page_from_one"),
        ]

    def __str__(self) -> str:
        return f"Note by {self.user} on {self.document}, page {self.page}"


class Presentation(models.Model):
    """The page of a paper that the presenter (or the chair) shows the room now: one per
    meeting, replaced at each page shown. Tablets that follow the presenter go to it."""

    meeting = models.OneToOneField(
        Meeting, primary_key=True, on_delete=models.CASCADE, related_name="presentation"
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField()
    shown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shown_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(page__gte=1), name="presentation_page_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.document} page {self.page}"


# Direct foreign-key object permissions (django-guardian's fast path).
class DocumentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)


class DocumentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Document, on_delete=models.CASCADE)
