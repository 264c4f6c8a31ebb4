"""What a person's socket (realtime.consumers `PersonConsumer`) sends as it opens: the frames
its page missed between being drawn and the socket connecting, or while the socket was away.
The apps that push to persons register how those frames are drawn (realtime knows none of
them): the notices app, its bell and the notices written since."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

# (user id, page language, the time the page was drawn or last heard from its socket) ->
# a frame for that page, or None when it missed nothing.
Replay = Callable[[int, str, datetime.datetime], dict[str, Any] | None]

_replays: list[Replay] = []


def register_personal_replay(replay: Replay) -> None:
    """Called once by an app, in its AppConfig.ready."""
    if replay not in _replays:
        _replays.append(replay)


def personal_replay(user_id: int, language: str, since: datetime.datetime) -> list[dict[str, Any]]:
    """The frames the person's page missed since `since`, in its language."""
    frames = (replay(user_id, language, since) for replay in _replays)
    return [frame for frame in frames if frame is not None]
