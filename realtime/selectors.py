from typing import Any, Protocol

from realtime.events import broadcast_message, event_frame, visible_to
from realtime.models import MeetingEvent, MeetingStream


def stream_heads(meeting_ids: list[int]) -> dict[int, int]:
    """The last event number of each meeting (one query)."""
    return dict(
        MeetingStream.objects.filter(meeting_id__in=meeting_ids).values_list(
            "meeting_id", "last_seq"
        )
    )


class Followed(Protocol):
    """A meeting as a page follows it (realtime knows meetings only by their id)."""

    pk: Any

    @property
    def is_live(self) -> bool: ...


def live_seq(meeting: Followed) -> int | None:
    """The last event a page shows, for its socket to follow on from; None when the meeting
    no longer changes."""
    if not meeting.is_live:
        return None
    return stream_heads([meeting.pk]).get(meeting.pk, 0)


def event_times(meeting_id: int, types: list[str]) -> list[tuple[str, Any]]:
    """(type, time) of the meeting's events of these types, in order (one query)."""
    return list(
        MeetingEvent.objects.filter(meeting_id=meeting_id, type__in=types)
        .order_by("seq")
        .values_list("type", "created_at")
    )


def event_messages_after(meeting_id: int, seq: int, limit: int) -> list[dict[str, Any]]:
    events = MeetingEvent.objects.filter(meeting_id=meeting_id, seq__gt=seq).order_by("seq")
    return [broadcast_message(event) for event in events[:limit]]


def event_page_for_user(
    *, meeting_id: int, user_id: int, rights: frozenset[str], since: int, limit: int
) -> dict[str, Any]:
    """The meeting's events after `since`, as the socket would send them to this person, and
    the last number there is (two queries)."""
    events = MeetingEvent.objects.filter(meeting_id=meeting_id, seq__gt=since).order_by("seq")
    return {
        "last_seq": stream_heads([meeting_id]).get(meeting_id, 0),
        "events": [
            event_frame(
                event,
                visible=visible_to(
                    restricted_to=event.restricted_to,
                    users=event.users,
                    user_id=user_id,
                    rights=rights,
                ),
            )
            for event in events[:limit]
        ],
    }
