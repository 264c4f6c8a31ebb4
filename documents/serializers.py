"""Request and response shapes of the documents, packet, notes and read-receipts API.

Response serializers render what the selectors return; request serializers only check shape.
What a file is, and whether a change is allowed, is decided by `documents.uploads` and
`documents.services`, so the API and the screens refuse the same things with the same words.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import RejectUnknownFields
from documents import permissions, services
from documents.models import Access, Document, DocumentVersion
from documents.selectors import DocumentRow
from meetings.models import Membership
from meetings.serializers import PersonSerializer

RIGHT_NAMES = list(permissions.RIGHTS_BY_NAME)


# Responses


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentVersion
        fields = ["number", "pages", "size", "sha256", "page_digests", "uploaded_at"]
        read_only_fields = fields


class DocumentSerializer(serializers.Serializer):
    """A document as one reader sees it (`documents.selectors.DocumentRow`)."""

    id = serializers.IntegerField(source="document.pk", read_only=True)
    title = serializers.CharField(source="document.title", read_only=True)
    kind = serializers.ChoiceField(
        source="document.kind", choices=Document.Kind.choices, read_only=True
    )
    classification = serializers.ChoiceField(
        source="document.classification", choices=Document.Classification.choices, read_only=True
    )
    agenda_item = serializers.IntegerField(
        source="document.agenda_item_id", read_only=True, allow_null=True
    )
    position = serializers.IntegerField(source="document.position", read_only=True)
    rights = serializers.SerializerMethodField(
        help_text=gettext_lazy("What the user may do: view, download, annotate.")
    )
    versions = VersionSerializer(many=True, read_only=True)
    view_url = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The latest version as PDF for in-page reading (inline, stamped when confidential "
            "or secret). Add ?version=N for an earlier one."
        )
    )

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(RIGHT_NAMES)))
    def get_rights(self, row: DocumentRow) -> list[str]:
        return [name for name, perm in permissions.RIGHTS_BY_NAME.items() if perm in row.rights]

    def get_view_url(self, row: DocumentRow) -> str:
        return reverse(
            "documents:view", kwargs={"pk": row.document.meeting_id, "doc_pk": row.document.pk}
        )


class PersonGrantSerializer(serializers.Serializer):
    user = PersonSerializer(read_only=True)
    rights = serializers.ListField(child=serializers.ChoiceField(RIGHT_NAMES), read_only=True)


class RoleGrantSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    rights = serializers.ListField(child=serializers.ChoiceField(RIGHT_NAMES), read_only=True)


class GrantsSerializer(serializers.Serializer):
    """Rights held on the document per person and per role (`selectors.Grants`)."""

    people = PersonGrantSerializer(many=True, read_only=True)
    roles = RoleGrantSerializer(many=True, read_only=True)


class DownloadLinkSerializer(serializers.Serializer):
    url = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy("Works for the signed-in user only, until `expires_at`."),
    )
    expires_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class CopyTraceSerializer(serializers.ModelSerializer):
    """Who received a stamped copy."""

    user = PersonSerializer(read_only=True)
    document = serializers.IntegerField(source="version.document_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Access
        fields = ["copy_id", "user", "document", "version", "action", "at"]
        read_only_fields = fields


# Requests


class DocumentCreateSerializer(RejectUnknownFields):
    file = serializers.FileField(
        help_text=gettext_lazy("PDF, Word, PowerPoint or OpenDocument (converted to PDF).")
    )
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Document.Kind.choices, default=Document.Kind.REPORT)
    classification = serializers.ChoiceField(
        choices=Document.Classification.choices, default=Document.Classification.INTERNAL
    )
    agenda_item = serializers.IntegerField(required=False, allow_null=True, default=None)


class DocumentUpdateSerializer(RejectUnknownFields):
    title = serializers.CharField(max_length=300, required=False)
    kind = serializers.ChoiceField(choices=Document.Kind.choices, required=False)
    classification = serializers.ChoiceField(
        choices=Document.Classification.choices, required=False
    )
    agenda_item = serializers.IntegerField(required=False, allow_null=True)


class VersionCreateSerializer(RejectUnknownFields):
    file = serializers.FileField()


class GrantSerializer(RejectUnknownFields):
    """One person (`user`) or one of the body's roles (`role`), not both."""

    user = serializers.IntegerField(required=False, allow_null=True, default=None)
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, required=False, allow_null=True, default=None
    )
    rights = serializers.ListField(child=serializers.ChoiceField(RIGHT_NAMES), min_length=1)


class DownloadLinkRequestSerializer(RejectUnknownFields):
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The version's number; the latest when left out."),
    )


# Responses


class PacketDocumentSerializer(serializers.Serializer):
    """A document as this reader sees it (`documents.selectors.DocumentEntry`)."""

    id = serializers.IntegerField(source="document.pk", read_only=True)
    title = serializers.CharField(source="document.title", read_only=True)
    kind = serializers.ChoiceField(
        source="document.kind", choices=Document.Kind.choices, read_only=True
    )
    classification = serializers.ChoiceField(
        source="document.classification", choices=Document.Classification.choices, read_only=True
    )
    version = serializers.IntegerField(source="version.number", read_only=True)
    pages = serializers.IntegerField(source="version.pages", read_only=True)
    read_version = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The newest version this person opened; null: never opened."),
    )
    is_new = serializers.BooleanField(read_only=True)
    is_changed = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("A newer version exists than the one they read.")
    )
    changed_pages = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=gettext_lazy("Pages that differ from the version they read, from 1."),
    )
    can_download = serializers.BooleanField(read_only=True)
    can_annotate = serializers.BooleanField(read_only=True)


class PacketItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item_id", read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    depth = serializers.IntegerField(read_only=True)
    documents = PacketDocumentSerializer(many=True, read_only=True)


class PacketSerializer(serializers.Serializer):
    """The packet as one person sees it (`documents.selectors.PacketOverview`)."""

    is_published = serializers.BooleanField(read_only=True)
    published_at = serializers.DateTimeField(
        source="packet.published_at", read_only=True, allow_null=True, default=None
    )
    items = PacketItemSerializer(source="rows", many=True, read_only=True)
    meeting_papers = PacketDocumentSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("Papers about the whole meeting, not one item."),
    )


class NoteSerializer(serializers.Serializer):
    """One's own note (`documents.selectors.NoteView`)."""

    id = serializers.IntegerField(source="note.pk", read_only=True)
    page = serializers.IntegerField(source="note.page", read_only=True)
    text = serializers.CharField(source="note.text", read_only=True)
    version = serializers.IntegerField(source="note.version.number", read_only=True)
    page_changed = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "The page differs in the newest version from when the note was written, "
            "or no longer exists."
        ),
    )
    created_at = serializers.DateTimeField(source="note.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="note.updated_at", read_only=True)


class ReceiptSerializer(serializers.Serializer):
    document = serializers.IntegerField(read_only=True)
    first_opened_at = serializers.DateTimeField(read_only=True, allow_null=True)
    latest_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("The newest version opened.")
    )
    current_version = serializers.IntegerField(read_only=True)
    readable = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("False where the reader may not (or no longer) view the paper."),
    )


class ReaderReceiptsSerializer(serializers.Serializer):
    user = PersonSerializer(read_only=True)
    opened_any = serializers.BooleanField(read_only=True)
    flagged = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("The reading deadline passed and they opened nothing."),
    )
    receipts = ReceiptSerializer(many=True, read_only=True)


class ReceiptDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class ReadReceiptsSerializer(serializers.Serializer):
    due_by = serializers.DateTimeField(
        read_only=True, help_text=gettext_lazy("Three days before the meeting starts.")
    )
    overdue = serializers.BooleanField(read_only=True)
    documents = ReceiptDocumentSerializer(many=True, read_only=True)
    readers = ReaderReceiptsSerializer(many=True, read_only=True)


# Requests


class NoteCreateSerializer(RejectUnknownFields):
    page = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=services.MAX_NOTE_LENGTH, trim_whitespace=False)


class PresentSerializer(RejectUnknownFields):
    page = serializers.IntegerField(min_value=1)


class PresentationSerializer(serializers.Serializer[Any]):
    document = serializers.IntegerField(source="document_id")
    page = serializers.IntegerField()
    shown_at = serializers.DateTimeField()


class NoteUpdateSerializer(RejectUnknownFields):
    text = serializers.CharField(max_length=services.MAX_NOTE_LENGTH, trim_whitespace=False)
