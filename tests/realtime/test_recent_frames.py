"""A process keeps recent events for sockets that fall behind, bounded in count and in bytes:
an event carries its regions for every audience, so a count alone would not bound memory."""

from __future__ import annotations

import json

import pytest

from realtime import fanout


def message(seq: int, html: str) -> dict[str, object]:
    frame = json.dumps({"type": "event", "seq": seq, "regions": {"board-live": html}})
    return {
        "seq": seq,
        "full": frame,
        "redacted": frame,
        "restricted_to": "",
        "users": [],
        "frames": {"en|meetings.view_meeting": frame},
    }


def test_old_events_are_dropped_past_the_byte_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "RECENT_BYTES_PER_MEETING", 400_000)
    broadcaster = fanout.Broadcaster()
    for seq in range(1, 21):
        broadcaster._remember(7, fanout.Event.from_message(message(seq, "x" * 10_000)))

    kept = list(broadcaster.recent[7])
    assert kept == list(range(21 - len(kept), 21)) and 1 < len(kept) < 20
    assert broadcaster.recent_bytes[7] == sum(e.size for e in broadcaster.recent[7].values())
    assert broadcaster.recent_bytes[7] <= 400_000


def test_an_event_from_the_log_does_not_replace_the_live_one() -> None:
    broadcaster = fanout.Broadcaster()
    live = broadcaster._remember(7, fanout.Event.from_message(message(1, "<p>live</p>")))
    replayed = message(1, "")
    replayed["frames"] = {}
    assert broadcaster._remember(7, fanout.Event.from_message(replayed)) is live
    assert broadcaster.recent[7][1].frames


def test_a_live_push_that_comes_after_the_log_was_read_replaces_the_event_from_the_log() -> None:
    """Sockets not yet given the event then take it with its regions."""
    broadcaster = fanout.Broadcaster()
    replayed = message(1, "")
    replayed["frames"] = {}
    from_log = broadcaster._remember(7, fanout.Event.from_message(replayed))
    live = broadcaster._remember(7, fanout.Event.from_message(message(1, "<p>live</p>")))

    assert live is not from_log and broadcaster.recent[7][1] is live
    assert broadcaster.recent_bytes[7] == live.size
