"""The server: uvicorn, whose WebSocket protocol can also write frames encoded elsewhere.

    python -m realtime.server --host 127.0.0.1 --port 8000 [uvicorn options] config.asgi:application

runs uvicorn with SERVER_OPTIONS; the Makefile, the Dockerfile, docker-compose.yml and the
benchmark start server processes this way. The broadcaster turns each event into a WebSocket
frame once per process and writes those bytes to every local socket. Through ASGI, each socket
would encode and frame the same text again, and that per-socket work was most of the time a
process spent on an event. Under another ASGI server (daphne, plain uvicorn) the application
sends the same text through `websocket.send` instead (realtime.outbox).

The application finds the writer in the connection's ASGI scope,
`scope["extensions"][FRAME_WRITER]`, a dict of:
- `write(data)`: write the bytes of a `text_frame`; False once the socket no longer takes frames;
- `buffered()`: the bytes written that the socket has not yet taken;
- `writable()`: wait until the transport takes writes again (below its low-water mark);
- `close(code, grace)`: close now, even while the buffer is full, and abort the connection
  (dropping its buffer) if it is still open `grace` seconds later.
"""

from __future__ import annotations

import functools
import gc
import sys
from dataclasses import dataclass

import uvicorn.main
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

FRAME_WRITER = "realtime.frame_writer"

# uvloop's transports write a frame to the socket at once. Compression is off: it would double
# each connection's memory, and an event frame is a few hundred bytes. Django has no use for
# ASGI lifespan events.
SERVER_OPTIONS = [
    *["--loop", "uvloop", "--http", "httptools"],
    *["--ws", "realtime.server:WebSocketProtocol", "--ws-per-message-deflate", "false"],
    *["--lifespan", "off"],
]


@dataclass(frozen=True)
class TextFrame:
    """A text message made once for every socket of a process: `text` for ASGI's
    `websocket.send`, `data` the complete frame for the frame writer."""

    text: str
    data: bytes


def text_frame(text: str) -> TextFrame:
    """Server frames are not masked, and a frame without the compression bit is valid even
    where compression was negotiated, so the same bytes can go to every socket."""
    return TextFrame(text, Frame(Opcode.TEXT, text.encode()).serialize(mask=False))


@functools.cache
def freeze_start_up_objects() -> None:
    """Move what start-up made (Django's settings, models, URL patterns, the modules: objects
    that live as long as the process) out of the cyclic garbage collector's sight, so that a
    full collection, during which no frame goes out, does not walk them all (the pauses it
    saves are in docs/PERFORMANCE.md). Garbage left by start-up is collected first, so nothing
    is frozen that could have been freed."""
    gc.collect()
    gc.freeze()


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        # The application is loaded before the first connection is accepted.
        freeze_start_up_objects()
        super().handle_connect(event)
        if not self.close_sent:  # the upgrade was valid and the application is starting
            self.scope.setdefault("extensions", {})[FRAME_WRITER] = {
                "write": self.write_frame,
                "buffered": self.transport.get_write_buffer_size,
                "writable": self.writable.wait,
                "close": self.close_now,
            }

    def write_frame(self, frame: bytes) -> bool:
        """Write a frame from `text_frame`; False once either side has begun to close."""
        if self.close_sent or self.conn.state is not State.OPEN or self.transport.is_closing():
            return False
        self.transport.write(frame)
        return True

    def close_now(self, code: int, grace: float) -> None:
        """Send a close frame behind what is buffered, and abort the connection if it has not
        closed `grace` seconds later. ASGI's `websocket.close` waits while the transport is
        paused, and uvicorn then only closes it gracefully: a peer that stopped reading would
        keep the connection and its buffer for as long as it stays connected."""
        if self.disconnected:
            return
        if not self.close_sent and not self.transport.is_closing():
            self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
            self.conn.send_close(code)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
            if self.read_paused:  # read the peer's reply to the close
                self.read_paused = False
                self.transport.resume_reading()
        if self.close_timer is not None:
            self.close_timer.cancel()
        self.close_timer = self.loop.call_later(grace, self.transport.abort)


def main() -> None:
    uvicorn.main.main([*SERVER_OPTIONS, *sys.argv[1:]], prog_name="python -m realtime.server")


if __name__ == "__main__":
    main()
