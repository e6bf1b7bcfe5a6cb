"""Rate limits on wrong verification codes: per client and per report, counted atomically in Redis.

A code has 80 random bits, so guessing is hopeless anyway; the limits keep it so. Only failures count (a code
that opens no report, or not the one the request names): a right code is never counted, so its holder is never
refused because others guessed wrong; a client past its own limit is refused before anything is looked up.

Fixed windows: a Lua script increments a counter and gives it a TTL in the same step, so no counter ever lives
without one (a crash between INCR and EXPIRE cannot happen inside a script); a failure's counters are counted by
one script each, in one round trip (on a Redis Cluster they live in different slots). Over any limit
→ 429 with ``Retry-After``; Redis down → 503 (fail closed, via :func:`consent.errors.store_errors`).

Counters are keyed by a hash of the client address (no IP addresses in clear at rest) and by report number.
The client address is the peer address: behind a reverse proxy, that proxy must pass the real address on
(e.g. by running the broker with aiohttp's ``--forwarded`` handling) or all clients share one counter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar

from broker.errors import ApiError
from consent.errors import store_errors
from consent.redis_writes import RedisClient

# KEYS: the counter; ARGV: its window in seconds. Returns count, ttl.
_FAIL = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('EXPIRE', KEYS[1], ttl)
end
return {count, ttl}
"""


class RateLimited(ApiError):
    """Too many attempts; ``retry_after`` seconds until the window resets (the ``Retry-After`` header)."""

    status: ClassVar[int] = 429
    code: ClassVar[str] = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, retry_after)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``attempts`` failures per ``window_s`` seconds."""

    attempts: int
    window_s: int


class RateLimiter:
    def __init__(self, redis: RedisClient, prefix: str, *, per_client: Limit, per_report: Limit) -> None:
        self._redis = redis
        self._prefix = prefix
        self._per_client = per_client
        self._per_report = per_report

    def _client_key(self, client: str) -> str:
        return f"{self._prefix}rl:client:{hashlib.sha256(client.encode()).hexdigest()[:24]}"

    def _report_key(self, report_no: str) -> str:
        return f"{self._prefix}rl:report:{report_no}"

    async def check(self, *, client: str) -> None:
        """Refuse (:class:`RateLimited`) a client whose own wrong codes are past its limit; count nothing."""
        key = self._client_key(client)
        async with store_errors("verification"), self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = await pipe.execute()
        if int(count or 0) >= self._per_client.attempts:
            raise RateLimited(
                f"too many wrong verification codes from this client; try again in {max(1, int(ttl))} s",
                retry_after=int(ttl),
            )

    async def fail(self, *, client: str, report_no: str | None = None) -> None:
        """Count one wrong code from ``client`` (at ``report_no`` when the request named a well-formed one).

        Raises :class:`RateLimited` when a counter went past its limit with this failure.
        """
        counters = [(self._client_key(client), self._per_client, "this client")]
        if report_no is not None:
            counters.append((self._report_key(report_no), self._per_report, "this report"))
        async with store_errors("verification"), self._redis.pipeline(transaction=False) as pipe:
            for key, limit, _ in counters:
                pipe.eval(_FAIL, 1, key, limit.window_s)
            raw = await pipe.execute()
        for (_, limit, who), (count, ttl) in zip(counters, raw, strict=True):
            if count > limit.attempts:
                raise RateLimited(
                    f"too many wrong verification codes for {who}; try again in {max(1, ttl)} s", retry_after=ttl
                )
