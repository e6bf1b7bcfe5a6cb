"""The broker's one Redis connection pool, opened from settings (short timeouts: a frozen Redis must fail fast,
so a request is refused within seconds rather than hanging — invariant 3, fail closed)."""

from __future__ import annotations

import redis.asyncio as aioredis

from broker.settings import Settings


def open_redis(settings: Settings) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=2.0,
        socket_connect_timeout=2.0,
        decode_responses=False,
        health_check_interval=15,
    )
