"""What one socket has still to send, bounded.

A socket whose reader stops (a tablet asleep, a network gone quiet) would otherwise keep every
frame written to it, and its connection, until the client leaves. Each socket may hold at most
`REALTIME_MAX_QUEUED_BYTES` not yet taken by the network, and may stay above `LOW_WATER` for at
most `REALTIME_SEND_TIMEOUT_SECONDS`; past either it is closed with `CLOSE_TOO_SLOW` and its
buffers are dropped. The client reconnects with its last `seq` and is replayed what it missed.

Two ways to the socket, one per kind of server:
- `FrameOutbox`, on the project's server (realtime.server): frames go straight to the
  transport, whose own write buffer is what is counted.
- `AsgiOutbox`, on any ASGI server (daphne, plain uvicorn): frames wait in the socket's queue
  and one task hands them to `websocket.send` in order; the queue is what is counted. Plain
  uvicorn's send waits while its transport is full, so the queue grows when the reader stops.
  Daphne's never waits (Twisted buffers without limit): there daphne's own ping timeout is what
  cuts off a reader that stopped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from realtime.server import TextFrame

logger = logging.getLogger(__name__)

CLOSE_TOO_SLOW = 4408
# Above this a socket is behind: it must come back under it within the send timeout, and a
# replay waits for it before writing more. It is the transport's own high-water mark, above
# which uvicorn stops taking ASGI sends.
LOW_WATER = 64 * 1024
# How long the close frame of a socket cut off may take to go out before its connection is
# aborted.
CLOSE_GRACE_SECONDS = 5.0

Send = Callable[[dict[str, Any]], Awaitable[None]]


class Outbox:
    """Frames on their way to one socket, in the order written, each once."""

    def __init__(self, *, on_stall: Callable[[str], None]) -> None:
        # Called once when the socket is cut off, with the reason, to let go of it.
        self.on_stall = on_stall
        self.max_bytes: int = settings.REALTIME_MAX_QUEUED_BYTES
        self.send_timeout: float = settings.REALTIME_SEND_TIMEOUT_SECONDS
        self.closed = False
        self._timer: asyncio.TimerHandle | None = None

    def write(self, frame: TextFrame) -> bool:
        """Queue a frame without waiting; False once the socket takes no more."""
        if self.closed:
            return False
        if self._timer is not None and self.queued() <= LOW_WATER:
            self._stop_timer()  # it drained since the last write
        if not self._put(frame):
            self._shut()
            return False
        queued = self.queued()
        if queued > self.max_bytes:
            self._stall(f"{queued} bytes queued, more than {self.max_bytes}")
        elif queued > LOW_WATER and self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.send_timeout, self._expire)
        return not self.closed

    async def close(self, code: int) -> None:
        """Close the socket for the application (a right withdrawn)."""
        if not self.closed:
            self._shut()
            self._close(code)

    def discard(self) -> None:
        """The socket has gone: drop what it had still to send."""
        self._shut()

    def queued(self) -> int:
        """Bytes written and not yet taken by the network."""
        raise NotImplementedError

    async def drained(self) -> None:
        """Wait until the socket is below the low-water mark (or closed)."""
        raise NotImplementedError

    def _put(self, frame: TextFrame) -> bool:
        raise NotImplementedError

    def _close(self, code: int) -> None:
        """Send a close frame now, whatever is queued."""
        raise NotImplementedError

    def _expire(self) -> None:
        self._timer = None
        if not self.closed and self.queued() > LOW_WATER:
            self._stall(f"over {LOW_WATER} bytes queued for {self.send_timeout:g} s")

    def _stall(self, reason: str) -> None:
        self._shut()
        self._close(CLOSE_TOO_SLOW)
        self.on_stall(reason)

    def _shut(self) -> None:
        self.closed = True
        self._stop_timer()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class FrameOutbox(Outbox):
    """Frames written as bytes to the transport of realtime.server (its FRAME_WRITER)."""

    def __init__(self, writer: dict[str, Any], *, on_stall: Callable[[str], None]) -> None:
        super().__init__(on_stall=on_stall)
        self.buffered: Callable[[], int] = writer["buffered"]
        self.writable: Callable[[], Awaitable[Any]] = writer["writable"]
        self.write_bytes: Callable[[bytes], bool] = writer["write"]
        self.close_now: Callable[[int, float], None] = writer["close"]

    def queued(self) -> int:
        return self.buffered()

    async def drained(self) -> None:
        await self.writable()

    def _put(self, frame: TextFrame) -> bool:
        return self.write_bytes(frame.data)

    def _close(self, code: int) -> None:
        self.close_now(code, CLOSE_GRACE_SECONDS)


class AsgiOutbox(Outbox):
    """Frames sent as ASGI `websocket.send` messages, one at a time, by one task."""

    def __init__(self, send: Send, *, on_stall: Callable[[str], None]) -> None:
        super().__init__(on_stall=on_stall)
        self.send = send
        self.frames: deque[TextFrame] = deque()
        self.size = 0
        self.ready = asyncio.Event()  # frames are waiting
        self.below = asyncio.Event()  # at most LOW_WATER bytes are waiting
        self.below.set()
        self.sender = asyncio.ensure_future(self._send_all())
        self.closer: asyncio.Task[None] | None = None

    def queued(self) -> int:
        return self.size

    async def drained(self) -> None:
        await self.below.wait()

    def _put(self, frame: TextFrame) -> bool:
        self.frames.append(frame)
        self.size += len(frame.data)
        self.ready.set()
        if self.size > LOW_WATER:
            self.below.clear()
        return True

    async def _send_all(self) -> None:
        try:
            while True:
                await self.ready.wait()
                frame = self.frames[0]
                await self.send({"type": "websocket.send", "text": frame.text})
                self.frames.popleft()
                self.size -= len(frame.data)
                if not self.frames:
                    self.ready.clear()
                if self.size <= LOW_WATER:
                    self._stop_timer()
                    self.below.set()
        except Exception:  # noqa: BLE001  (the socket went away; its disconnect follows)
            logger.debug("A socket stopped taking frames.", exc_info=True)
            self._shut()

    def _shut(self) -> None:
        super()._shut()
        # A send waiting for the transport has written nothing yet: cancelling it cuts no frame.
        self.sender.cancel()
        self.frames.clear()
        self.size = 0
        self.below.set()  # wake a replay waiting for room; it finds the socket gone

    def _close(self, code: int) -> None:
        # In a task of its own: plain uvicorn's close waits, like its sends, until its
        # transport takes writes, which may be never.
        self.closer = asyncio.ensure_future(self._send_close(code))

    async def _send_close(self, code: int) -> None:
        await asyncio.wait([self.sender])  # after the frame in flight, never before it
        try:
            await self.send({"type": "websocket.close", "code": code})
        except Exception:  # noqa: BLE001  (the socket went away meanwhile)
            logger.debug("A socket went away before its close.", exc_info=True)
