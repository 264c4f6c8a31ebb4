"""Frames written below ASGI must be what any WebSocket client reads as one text message."""

from __future__ import annotations

import struct

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side, State

from realtime.server import text_frame


def read_frames(data: bytes) -> list[Frame]:
    """What a client-side protocol parses out of bytes received from the server."""
    # Past the handshake, as the sockets the broadcaster writes to.
    client = Protocol(Side.CLIENT, state=State.OPEN)
    client.receive_data(data)
    return [event for event in client.events_received() if isinstance(event, Frame)]


@pytest.mark.parametrize(
    ("size", "header"),
    [
        (10, b"\x81\x0a"),
        (300, b"\x81\x7e" + struct.pack("!H", 300)),
        (70_000, b"\x81\x7f" + struct.pack("!Q", 70_000)),
    ],
)
def test_a_text_frame_is_unmasked_and_carries_its_length(size: int, header: bytes) -> None:
    text = "x" * size
    frame = text_frame(text)
    assert frame.data == header + text.encode()
    assert frame.text == text


def test_clients_read_frames_written_back_to_back() -> None:
    first = '{"type": "event", "seq": 1, "payload": {"note": "Phiên họp"}}'
    second = '{"type": "heartbeat", "seq": 1}'
    frames = read_frames(text_frame(first).data + text_frame(second).data)
    assert [(f.opcode, f.fin, f.data.decode()) for f in frames] == [
        (Opcode.TEXT, True, first),
        (Opcode.TEXT, True, second),
    ]
