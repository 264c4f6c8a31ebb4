"""Pushing an event after commit: one synchronous Redis PUBLISH that every process's
broadcaster receives through the channel layer, and a Redis that is away never fails the write."""

import asyncio
import logging
import socket
import time
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from config.settings import redis_channel_layer
from realtime import events

MESSAGE = {
    "type": "meeting.event",
    "meeting": 7,
    "seq": 3,
    "full": '{"type": "event", "seq": 3, "payload": {"title": "Ngân sách"}}',
    "redacted": '{"type": "event", "seq": 3, "payload": null, "restricted": true}',
    "restricted_to": "",
    "users": [4, 5],
}


def test_a_push_reaches_the_group_as_the_channel_layer_sends_it() -> None:
    async def received() -> dict[str, Any]:
        layer = get_channel_layer()
        assert isinstance(layer, RedisPubSubChannelLayer)
        channel = await layer.new_channel()
        await layer.group_add(events.GROUP, channel)
        try:
            # The subscription is confirmed asynchronously: push until it is heard.
            for _ in range(20):
                await asyncio.to_thread(events.push, dict(MESSAGE))
                try:
                    return await asyncio.wait_for(layer.receive(channel), timeout=0.5)
                except TimeoutError:
                    continue
            raise AssertionError("the push never reached the group")
        finally:
            await layer.flush()

    assert asyncio.run(received()) == MESSAGE


def test_a_push_without_redis_is_logged_and_does_not_wait(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(f"redis://127.0.0.1:{port}/0")}
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="realtime.events"):
        events.push(dict(MESSAGE))
    assert time.monotonic() - started < 1
    assert "clients will catch up from the log" in caplog.text
