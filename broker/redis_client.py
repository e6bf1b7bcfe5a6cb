"""The broker's one Redis connection pool, opened from settings.

Short timeouts: a frozen Redis must fail fast, so a request is refused within seconds rather than hanging
(invariant 3, fail closed). ``rediss://`` speaks TLS, verifying the server's certificate and host name against
``JJJ_REDIS_CA`` (or the system's CAs); a user and password in the URL authenticate with Redis ACLs.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from broker.settings import Settings


def open_redis(settings: Settings) -> aioredis.Redis:
    url = settings.redis_url.get_secret_value()
    tls: dict[str, Any] = {}
    if url.startswith("rediss://"):
        tls = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
        if settings.redis_ca is not None:
            tls["ssl_ca_certs"] = str(settings.redis_ca)
    return aioredis.Redis.from_url(
        url,
        socket_timeout=2.0,
        socket_connect_timeout=2.0,
        decode_responses=False,
        health_check_interval=15,
        **tls,
    )
