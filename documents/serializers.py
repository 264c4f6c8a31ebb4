"""Request and response shapes of the packet, notes and read-receipts API.

As in `meetings.serializers`: response serializers render what the selectors return; request
serializers only check shape. Whether a change is allowed is decided by `documents.services`,
so the API and the screens refuse the same things with the same words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from documents import services
from documents.models import Document
from meetings.serializers import PersonSerializer, RejectUnknownFields

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


class NoteUpdateSerializer(RejectUnknownFields):
    text = serializers.CharField(max_length=services.MAX_NOTE_LENGTH, trim_whitespace=False)
