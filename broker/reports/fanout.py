"""Ask the three regions at the same time under one deadline.

Every region ends up with a :class:`RegionAnswer`: an answer, or the reason there is none. Nothing here
raises for a region's failure — a region that did not answer is stated as such (invariant 1), and the merge
decides what that means for the report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from adapters.client import RegionQuery
from adapters.errors import RegionFailure
from broker.reports.interfaces import RegionFetcher
from merge.answers import RegionAnswer, RegionStatus
from merge.regions import Region

log = logging.getLogger("jjj.broker.fanout")

#: Told of each region's answer as it arrives (the portal's live progress); must not block.
RegionHook = Callable[[RegionAnswer], None]

# grpc enforces each call's own timeout; this margin only guards against a client that does not return at all.
_GUARD_S = 0.05


def _failed(
    region: Region, status: RegionStatus, started: float, error: str, refusal: str | None = None
) -> RegionAnswer:
    return RegionAnswer(
        region_code=region.code,
        status=status,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        error=error,
        refusal=refusal,
    )


async def ask_region(fetcher: RegionFetcher, query: RegionQuery, deadline: float) -> RegionAnswer:
    """One region's outcome; ``deadline`` is an absolute ``loop.time()``."""
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    remaining = deadline - loop.time()
    if remaining <= 0:
        return _failed(fetcher.region, RegionStatus.TIMED_OUT, started, "no time left before the deadline")
    try:
        async with asyncio.timeout(remaining + _GUARD_S):
            return await fetcher.fetch(query, timeout=remaining)
    except RegionFailure as exc:
        return _failed(fetcher.region, exc.status, started, exc.reason, exc.cause)
    except TimeoutError:
        return _failed(fetcher.region, RegionStatus.TIMED_OUT, started, "deadline exceeded")
    except Exception as exc:
        # Name the type only: the message of an unexpected error may carry record content.
        log.exception("region %s failed unexpectedly (request %s)", fetcher.region.value, query.request_id)
        return _failed(fetcher.region, RegionStatus.ERROR, started, f"internal error ({type(exc).__name__})")


async def _told(fetcher: RegionFetcher, query: RegionQuery, deadline: float, on_answer: RegionHook) -> RegionAnswer:
    answer = await ask_region(fetcher, query, deadline)
    on_answer(answer)
    return answer


class SlowestFirst:
    """The order to ask regions in: slowest first, by each region's recent latency.

    The calls are sent one after another (each a few hundred microseconds of the event loop), and the report
    waits for the slowest region: asking it first puts its request on the wire earliest, so the report is
    ready that much sooner. Latencies are smoothed (exponentially weighted), so one slow answer does not
    reorder the next report; regions not seen yet keep their given order.
    """

    def __init__(self, weight: float = 0.2) -> None:
        if not 0 < weight <= 1:
            raise ValueError("weight: must be in (0, 1]")
        self._weight = weight
        self._latency_ms: dict[Region, float] = {}

    def order(self, fetchers: Sequence[RegionFetcher]) -> list[RegionFetcher]:
        return sorted(fetchers, key=lambda f: -self._latency_ms.get(f.region, 0.0))  # sorted() is stable

    def observe(self, region: Region, latency_ms: float) -> None:
        previous = self._latency_ms.get(region)
        self._latency_ms[region] = latency_ms if previous is None else previous + self._weight * (latency_ms - previous)


async def fan_out(
    fetchers: Sequence[RegionFetcher],
    make_query: Callable[[Region], RegionQuery],
    deadline: float,
    *,
    order: SlowestFirst | None = None,
    on_answer: RegionHook | None = None,
) -> list[RegionAnswer]:
    """Ask every region concurrently; returns one answer per fetcher, in the fetchers' order.

    With ``order``, the calls are started slowest region first (see :class:`SlowestFirst`), which also learns
    from these answers; ``on_answer`` is told of each answer as soon as it is there."""
    started = order.order(fetchers) if order is not None else list(fetchers)
    if on_answer is None:
        answers = await asyncio.gather(*(ask_region(f, make_query(f.region), deadline) for f in started))
    else:
        answers = await asyncio.gather(*(_told(f, make_query(f.region), deadline, on_answer) for f in started))
    by_region = {f.region: answer for f, answer in zip(started, answers, strict=True)}
    if order is not None:
        for region, answer in by_region.items():
            order.observe(region, answer.latency_ms)
    return [by_region[f.region] for f in fetchers]
