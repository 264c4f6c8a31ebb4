"""Request and response shapes of the agenda API.

As in `meetings.serializers`: response serializers render what the selectors return; request
serializers only check shape (types, lengths, choices). Whether a change is allowed, and when,
is decided by `agendas.services`, so the API and the screens refuse the same things with the
same words.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from agendas import services
from agendas.models import AgendaItem, Comment, Speaker
from agendas.selectors import AgendaOverview
from core.serializers import RejectUnknownFields
from meetings.serializers import PersonSerializer


def _with_parent(
    fields: dict[str, serializers.Field], parent: serializers.Field, *, after: str | None = None
) -> dict[str, serializers.Field]:
    """The fields with one called `parent` (after the field `after`, or first).

    Added in `get_fields` rather than declared: a class attribute called `parent` would
    shadow the serializer's own `parent`, the serializer it is nested in."""
    names = list(fields)
    at = names.index(after) + 1 if after else 0
    return {
        **{name: fields[name] for name in names[:at]},
        "parent": parent,
        **{name: fields[name] for name in names[at:]},
    }


# Responses


class TimerSerializer(serializers.Serializer):
    """The chair's countdown, read from the agenda."""

    started_at = serializers.DateTimeField(source="timer_started_at", read_only=True)
    ends_at = serializers.DateTimeField(
        source="timer_ends_at",
        read_only=True,
        help_text=gettext_lazy("Stays set after the time is up, until the chair stops it."),
    )


class AgendaItemSerializer(serializers.Serializer):
    """One row of the agenda (`agendas.selectors.AgendaRow`): the item with its number, depth
    and actual or projected times."""

    id = serializers.IntegerField(source="item.pk", read_only=True)
    number = serializers.CharField(
        read_only=True, help_text=gettext_lazy('"1", "1.2"...: follows from the tree.')
    )
    depth = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("0 for a top-level item.")
    )
    position = serializers.IntegerField(
        source="item.position",
        read_only=True,
        help_text=gettext_lazy("Among its siblings, from 0."),
    )
    title = serializers.CharField(source="item.title", read_only=True)
    description = serializers.CharField(source="item.description", read_only=True)
    kind = serializers.ChoiceField(
        source="item.kind", choices=AgendaItem.Kind.choices, read_only=True
    )
    presenter = serializers.CharField(source="item.presenter", read_only=True)
    planned_minutes = serializers.IntegerField(source="item.planned_minutes", read_only=True)
    status = serializers.ChoiceField(
        source="item.status", choices=AgendaItem.Status.choices, read_only=True
    )
    started_at = serializers.DateTimeField(
        source="item.started_at", read_only=True, allow_null=True
    )
    ended_at = serializers.DateTimeField(source="item.ended_at", read_only=True, allow_null=True)
    projected_start = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Actual times once taken up; null for a deferred item."),
    )
    projected_end = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        parent = serializers.IntegerField(source="item.parent_id", read_only=True, allow_null=True)
        return _with_parent(super().get_fields(), parent, after="depth")


class AgendaSerializer(serializers.Serializer):
    """The whole agenda (`agendas.selectors.AgendaOverview`) in reading order."""

    meeting = serializers.IntegerField(read_only=True)
    published = serializers.BooleanField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    speaking_limit_seconds = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Offered to each speaker; null: no limit."),
    )
    timer = TimerSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("null when not running.")
    )
    projected_end = serializers.DateTimeField(read_only=True, allow_null=True)
    overrun_minutes = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("How far the projection runs past the end.")
    )
    current = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("The item in progress.")
    )
    items = AgendaItemSerializer(many=True, read_only=True)

    def to_representation(self, instance: Any) -> Any:
        overview: AgendaOverview = instance
        # The agenda row only exists once the secretariat has written to it.
        agenda = overview.agenda
        running = agenda is not None and agenda.timer_ends_at is not None
        return super().to_representation(
            {
                "meeting": self.context["meeting"].pk,
                "published": overview.is_published,
                "published_at": agenda.published_at if agenda else None,
                "speaking_limit_seconds": agenda.speaking_limit_seconds if agenda else None,
                "timer": agenda if running else None,
                "projected_end": overview.projected_end,
                "overrun_minutes": overview.overrun_minutes,
                "current": overview.current.item.pk if overview.current else None,
                "items": overview.rows,
            }
        )


class SpeakerSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)

    class Meta:
        model = Speaker
        fields = [
            "id",
            "item",
            "user",
            "kind",
            "status",
            "requested_at",
            "started_at",
            "ended_at",
            "limit_seconds",
        ]
        read_only_fields = fields


class SpeakerListSerializer(serializers.Serializer):
    """`agendas.selectors.SpeakerList`."""

    speaking = SpeakerSerializer(read_only=True, allow_null=True)
    waiting = SpeakerSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("In the order the floor is given: points of order first."),
    )
    spoken = SpeakerSerializer(many=True, read_only=True)


class CommentSerializer(serializers.ModelSerializer):
    """A comment as the reader may see it. Give `moderator` in the context: the chair and the
    secretariat read every comment in full; for others the text of a hidden or deleted comment
    is null, and so are when and by whom it was hidden or deleted."""

    author = PersonSerializer(read_only=True)
    text = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "null for a hidden or deleted comment, except for the chair and the secretariat."
        ),
    )
    hidden = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()
    hidden_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("For the chair and the secretariat; null for others."),
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "item",
            "author",
            "text",
            "created_at",
            "edited_at",
            "hidden",
            "deleted",
            "hidden_at",
            "hidden_by",
            "deleted_at",
        ]
        read_only_fields = fields
        extra_kwargs: dict[str, dict[str, Any]] = {
            name: {"help_text": gettext_lazy("For the chair and the secretariat; null for others.")}
            for name in ("hidden_at", "deleted_at")
        }

    def get_hidden(self, comment: Comment) -> bool:
        return comment.hidden_at is not None

    def get_deleted(self, comment: Comment) -> bool:
        return comment.deleted_at is not None

    def to_representation(self, instance: Any) -> Any:
        comment: Comment = instance
        data = super().to_representation(comment)
        if not self.context.get("moderator", False):
            if not comment.is_visible:
                data["text"] = None
            data["hidden_at"] = data["hidden_by"] = data["deleted_at"] = None
        return data


# Requests


class AgendaSettingsSerializer(RejectUnknownFields):
    """The agenda's settings."""

    speaking_limit_seconds = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("Offered to each speaker; null: no limit."),
    )


class AgendaItemCreateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    """A new item, added at the end of its parent's list (or of the agenda)."""

    class Meta:
        model = AgendaItem
        fields = ["title", "kind", "presenter", "planned_minutes", "description"]

    def get_fields(self) -> dict[str, serializers.Field]:
        # A plain id: the view resolves it among the items the user may see, so that another
        # meeting's item is reported like one that does not exist.
        parent = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            default=None,
            help_text=gettext_lazy("The item to nest under; left out or null: the top level."),
        )
        return _with_parent(super().get_fields(), parent)


class AgendaItemUpdateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    """The fields of an item that can change; where it sits changes by moving it."""

    class Meta:
        model = AgendaItem
        fields = sorted(services.EDITABLE_ITEM_FIELDS)


class AgendaItemMoveSerializer(RejectUnknownFields):
    """Where an item goes, with its sub-items."""

    position = serializers.IntegerField(
        help_text=gettext_lazy("Among the new siblings: 0 is first; past the end puts it last.")
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        parent = serializers.IntegerField(
            min_value=1,
            allow_null=True,
            help_text=gettext_lazy("The new parent item; null: the top level."),
        )
        return _with_parent(super().get_fields(), parent)


class SpeakerRequestSerializer(RejectUnknownFields):
    """A request for the floor."""

    kind = serializers.ChoiceField(choices=Speaker.Kind.choices, default=Speaker.Kind.SPEECH)


class FloorGiveSerializer(RejectUnknownFields):
    """The floor to a waiting speaker."""

    limit_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Left out or null: the agenda's speaking time."),
    )


class CommentTextSerializer(RejectUnknownFields):
    """A comment's text, new or changed."""

    # Blank text reaches the service, which says what to do about it.
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class TimerStartSerializer(RejectUnknownFields):
    """The chair's countdown."""

    seconds = serializers.IntegerField(help_text=gettext_lazy("From 1 second to 24 hours."))
