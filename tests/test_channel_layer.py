"""The configured channel layer is Redis, and a message crosses it."""

import asyncio

from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer


def test_messages_cross_the_redis_channel_layer() -> None:
    async def round_trip() -> dict[str, str]:
        layer = get_channel_layer()
        assert isinstance(layer, RedisPubSubChannelLayer)
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "meeting.ping", "text": "Xin chào"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return message

    assert asyncio.run(round_trip()) == {"type": "meeting.ping", "text": "Xin chào"}
