"""A circuit breaker per region in front of its client: a dead or frozen region answers ``unavailable`` at once.

Without it every report waits the full deadline for a frozen node (issue 11). With it, after
``failure_threshold`` consecutive calls that timed out or found the node unavailable, the region's breaker opens:
for ``cooldown_s`` every report states the region ``unavailable`` (reason ``circuit open``) without calling it.
Then one call is let through as the half-open probe — concurrent reports meanwhile keep the fast answer, so a
still-frozen node costs one request the deadline, not all of them — and its outcome closes the breaker or opens it
again. The state machine is purgatory's (:class:`purgatory.AsyncCircuitBreakerFactory`, in memory: one per broker
process); what counts as a failure and the single probe are ours.

Only ``timed_out`` and ``unavailable`` count, and only when no other call to the region succeeded while this one
ran: a node that refused a warrant, signed wrongly or sent garbage answered at once — opening the breaker would not
save any time, and the refusal stays visible as what it is; and a burst of calls broken by one replica's death,
while the region's other replica answers, is not the region failing.

Invariant 1 holds by construction: an open breaker raises :class:`~adapters.errors.RegionUnavailable`, which the
fan-out states as the region's answer; it never produces a clean one.
"""

from __future__ import annotations

import logging
import time

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import HALF_OPENED, OPENED, OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

from adapters.client import RegionQuery
from adapters.errors import RegionFailure, RegionTimeout, RegionUnavailable
from broker.reports.interfaces import RegionFetcher
from broker.web.metrics import RegionMetrics
from merge.answers import RegionAnswer, RegionStatus
from merge.regions import Region

log = logging.getLogger("jjj.broker.breakers")


class _CountedFailure(Exception):
    """What the breaker sees of a failure that counts (a timeout, unavailable); the original is re-raised."""


class BreakerFetcher:
    """A :class:`RegionFetcher` that asks ``inner`` through the region's breaker and records its metrics."""

    def __init__(
        self,
        inner: RegionFetcher,
        breakers: AsyncCircuitBreakerFactory,
        metrics: RegionMetrics,
        *,
        failure_threshold: int,
        cooldown_s: float,
    ) -> None:
        self._inner = inner
        self._breakers = breakers
        self._metrics = metrics
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._probing = False
        self._logged_state = "closed"
        self._last_success = 0.0
        metrics.breaker_state(inner.region, "closed")

    @property
    def region(self) -> Region:
        return self._inner.region

    async def state(self) -> str:
        """``closed``, ``opened`` or ``half-opened`` (purgatory's names)."""
        breaker = await self._breaker()
        return str(breaker.context.state)

    async def _breaker(self) -> AsyncCircuitBreaker:
        # A failure that is not counted (refused, garbage: the node answered) ends the call as a success for the
        # breaker; anything else raised inside (a timeout, unavailable, a cancellation, a bug) counts.
        return await self._breakers.get_breaker(
            self.region.value, threshold=self._threshold, ttl=self._cooldown_s, exclude=[RegionFailure]
        )

    async def fetch(self, query: RegionQuery, *, timeout: float) -> RegionAnswer:
        started = time.perf_counter()
        status, reason = RegionStatus.ERROR.value, ""
        try:
            answer = await self._guarded(query, timeout)
            status = answer.status.value
            return answer
        except RegionFailure as exc:
            status, reason = exc.status.value, exc.reason
            raise
        finally:
            seconds = time.perf_counter() - started
            self._metrics.observe(self.region, status, seconds)
            log.info(
                "region %s %s in %.1f ms (request %s)", self.region.value, status, seconds * 1000, query.request_id,
                extra={"request_id": query.request_id, "region": self.region.value, "status": status,
                       "ms": round(seconds * 1000, 1), "subject": query.subject.masked, "reason": reason},
            )  # fmt: skip

    async def _guarded(self, query: RegionQuery, timeout: float) -> RegionAnswer:
        breaker = await self._breaker()
        before = breaker.context.state
        if self._probing and before != "closed":
            raise RegionUnavailable(self.region, "circuit open: a probe of the region is under way")
        if before == OPENED and not self._cooldown_over(breaker.context.opened_at):
            raise RegionUnavailable(self.region, "circuit open: the region failed repeatedly; not asked")
        probe = before != "closed"
        self._probing = self._probing or probe
        failure: RegionFailure | None = None
        started = time.monotonic()
        try:
            async with breaker:
                try:
                    answer = await self._inner.fetch(query, timeout=timeout)
                except (RegionTimeout, RegionUnavailable) as exc:
                    if self._last_success > started:
                        # Another call to the region succeeded meanwhile: this one met a replica that died, or a
                        # connection that broke, not a region that is down (issue 13: a replica killed under load
                        # costs the region nothing, so it must not open the region's breaker either).
                        raise
                    failure = exc
                    raise _CountedFailure from None
                self._last_success = time.monotonic()
                return answer
        except OpenedState:
            # Opened by a concurrent call between our check and entering: the same fast answer.
            raise RegionUnavailable(self.region, "circuit open: the region failed repeatedly; not asked") from None
        except _CountedFailure:
            assert failure is not None
            raise failure from None
        finally:
            if probe:
                self._probing = False
            self._changed(str(breaker.context.state))

    def _cooldown_over(self, opened_at: float | None) -> bool:
        return opened_at is None or time.time() > opened_at + self._cooldown_s

    def _changed(self, after: str) -> None:
        self._metrics.breaker_state(self.region, after)
        if after == HALF_OPENED:  # the probe: logged by its end (closed again, or opened again)
            return
        before, self._logged_state = self._logged_state, after
        if after == before:  # once per change, not once per call that saw it
            return
        level = logging.WARNING if after == OPENED else logging.INFO
        log.log(level, "region %s: circuit %s -> %s", self.region.value, before, after,
                extra={"region": self.region.value, "breaker": after})  # fmt: skip

    async def health(self, *, timeout: float) -> str:
        return await self._inner.health(timeout=timeout)

    async def close(self) -> None:
        await self._inner.close()
