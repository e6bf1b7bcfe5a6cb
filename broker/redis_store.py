"""The broker's Redis connection and the small records it keeps there (no record content, ever).

``redis.RedisError`` is translated here into :class:`ConsentStoreUnavailable`: without its store the broker
refuses (invariant 3, fail closed).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from broker.errors import ConsentStoreUnavailable
from broker.settings import Settings
from consent.accounts import subject_ref
from merge.identifiers import Subject

#: A subject's query history keeps this many entries (a Redis Stream, trimmed approximately).
QUERY_LOG_MAXLEN = 1000


def open_redis(settings: Settings) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=2.0,
        socket_connect_timeout=2.0,
        decode_responses=False,
        health_check_interval=15,
    )


@asynccontextmanager
async def store_errors(action: str) -> AsyncIterator[None]:
    try:
        yield
    except RedisError as exc:
        raise ConsentStoreUnavailable(
            f"the consent store is unreachable ({type(exc).__name__}); {action} refused"
        ) from None


def _query_fields(entry: dict[str, str]) -> dict[FieldT, EncodableT]:
    return {"entry": json.dumps(entry, ensure_ascii=False)}


class BrokerStore:
    """Report numbers and the per-subject query log, under one key prefix."""

    def __init__(self, redis: aioredis.Redis, prefix: str, subject_secret: bytes) -> None:
        self._redis = redis
        self._prefix = prefix
        self._secret = subject_secret

    def subject_key(self, subject: Subject) -> str:
        # The one rule shared with accounts, grants and the audit log: who-queried-me depends on them agreeing.
        return subject_ref(self._secret, subject)

    async def ping(self) -> None:
        async with store_errors("health check"):
            await self._redis.ping()

    async def next_report_no(self, issued_at: datetime) -> str:
        """``JJJ-YYYYMMDD-NNNNNN``: a per-day sequence, unique across broker replicas sharing the Redis."""
        day = issued_at.strftime("%Y%m%d")
        key = f"{self._prefix}report_seq:{day}"
        async with store_errors("report"), self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 3 * 86400)
            seq, _ = await pipe.execute()
        return f"JJJ-{day}-{int(seq):06d}"

    async def log_query(self, subject: Subject, entry: dict[str, str]) -> None:
        """Append to the subject's "who queried me" history. Entries carry no record content."""
        async with store_errors("query log"):
            await self._redis.xadd(self._query_key(subject), _query_fields(entry), maxlen=QUERY_LOG_MAXLEN)

    def queue_log_query(self, pipe: Pipeline, subject: Subject, entry: dict[str, str]) -> None:
        """:meth:`log_query` queued on ``pipe`` (sent with the report's other writes in one round trip)."""
        pipe.xadd(self._query_key(subject), _query_fields(entry), maxlen=QUERY_LOG_MAXLEN)

    def _query_key(self, subject: Subject) -> str:
        return f"{self._prefix}queries:{self.subject_key(subject)}"

    async def query_history(self, subject: Subject, count: int = 100) -> list[dict[str, str]]:
        key = self._query_key(subject)
        async with store_errors("query history"):
            rows = await self._redis.xrevrange(key, count=count)
        entries: list[dict[str, str]] = []
        for _id, fields in rows or []:
            if fields and b"entry" in fields:
                entries.append(json.loads(fields[b"entry"]))
        return entries
