from typing import Any

from realtime.events import broadcast_message
from realtime.models import MeetingEvent, MeetingStream


def stream_heads(meeting_ids: list[int]) -> dict[int, int]:
    """The last event number of each meeting (one query)."""
    return dict(
        MeetingStream.objects.filter(meeting_id__in=meeting_ids).values_list(
            "meeting_id", "last_seq"
        )
    )


def event_messages_after(meeting_id: int, seq: int, limit: int) -> list[dict[str, Any]]:
    events = MeetingEvent.objects.filter(meeting_id=meeting_id, seq__gt=seq).order_by("seq")
    return [broadcast_message(event) for event in events[:limit]]
