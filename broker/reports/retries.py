"""Ask a region again when a call met ``UNAVAILABLE`` — each attempt under a warrant of its own.

Why not gRPC's own retry policy (A6, in the service config): it resends the *same* request, warrant included. A
call that a replica had already accepted when it died (killed mid-call: the connection resets, the client sees
``UNAVAILABLE``) has spent its single-use warrant in the region's shared replay log, so the same request on the
other replica is refused as a replay, and the region is stated ``refused`` for a fault of the link (issue 13,
measured 1 report in ~500 with a replica SIGKILLed under load). Here each further attempt carries a newly signed
warrant (:meth:`adapters.client.RegionQuery.with_fresh_warrant`), and the answer must name that warrant's ``jti``
(the client checks it), so whichever replica answers, it answered this attempt.

What is retried: ``UNAVAILABLE`` only (the node is unreachable or the connection broke; a ``CANCELLED`` status from
a stopping server counts as such, :func:`adapters.client._translate`) — never a timeout (the
time is spent) nor a refusal (the node decided). At most ``attempts`` attempts, all inside the one ``timeout`` the
fan-out gives the region, with a short pause between them (under round robin the next attempt goes to another
replica; a region that is simply down costs at most ~0.3 s more before the report says so). The wrapper sits
inside the region's breaker, so one report's attempts count as one call there.
"""

from __future__ import annotations

import asyncio
import logging
import time

from adapters.client import RegionQuery
from adapters.errors import RegionUnavailable
from broker.reports.interfaces import RegionFetcher
from merge.answers import RegionAnswer
from merge.regions import Region

log = logging.getLogger("jjj.broker.retries")

DEFAULT_ATTEMPTS = 3
#: Pause before the 2nd, 3rd … attempt (the last one repeats).
DEFAULT_PAUSES_S = (0.1, 0.2)
#: An attempt with less time than this left is not started: it could only time out.
MIN_ATTEMPT_S = 0.05


class RetryingFetcher:
    """A :class:`RegionFetcher` that retries ``inner`` on :class:`RegionUnavailable` with a fresh warrant."""

    def __init__(
        self, inner: RegionFetcher, *, attempts: int = DEFAULT_ATTEMPTS, pauses_s: tuple[float, ...] = DEFAULT_PAUSES_S
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts: must be at least 1")
        if attempts > 1 and (not pauses_s or min(pauses_s) < 0):
            raise ValueError("pauses_s: give one non-negative pause or more")
        self._inner = inner
        self._attempts = attempts
        self._pauses_s = pauses_s

    @property
    def region(self) -> Region:
        return self._inner.region

    async def fetch(self, query: RegionQuery, *, timeout: float) -> RegionAnswer:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        started = time.perf_counter()
        attempt = 1
        while True:
            try:
                answer = await self._inner.fetch(query, timeout=deadline - loop.time())
            except RegionUnavailable as exc:
                if attempt >= self._attempts:
                    raise
                pause = self._pauses_s[min(attempt, len(self._pauses_s)) - 1]
                if deadline - loop.time() < pause + MIN_ATTEMPT_S:
                    raise
                renewed = query.with_fresh_warrant()
                if renewed is None:  # no way to sign another warrant: resending the spent one would be refused
                    raise
                log.info(
                    "region %s unavailable on attempt %d (%s); asking again with warrant %s (request %s)",
                    self.region.value, attempt, exc.reason, renewed.warrant_id, query.request_id,
                    extra={"request_id": query.request_id, "region": self.region.value, "attempt": attempt},
                )  # fmt: skip
                await asyncio.sleep(pause)
                query, attempt = renewed, attempt + 1
                continue
            if attempt == 1:
                return answer
            # The report states how long the region took, every attempt included.
            return answer.model_copy(update={"latency_ms": round((time.perf_counter() - started) * 1000, 1)})

    async def health(self, *, timeout: float) -> str:
        return await self._inner.health(timeout=timeout)

    async def close(self) -> None:
        await self._inner.close()
