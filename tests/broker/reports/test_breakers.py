"""broker.reports.breakers against real nodes over real gRPC: a failing region's breaker opens and answers
``unavailable`` without asking it, one half-open probe notices recovery, and refusals never open it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import grpc
import pytest
from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory

from adapters.client import AdapterClient, RegionQuery
from adapters.errors import RegionRefused, RegionTimeout, RegionUnavailable
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from broker.reports.breakers import BreakerFetcher
from broker.reports.fanout import fan_out
from broker.web.metrics import RegionMetrics
from merge.answers import RegionStatus
from merge.editions import Edition
from merge.identifiers import parse_subject
from merge.regions import Region
from tests.adapters.tls import answer_signer, broker_tls, node_tls
from tests.broker.conftest import ENTERPRISE, region_records
from tests.conftest import free_port

REGION = Region.TIANJIN
COOLDOWN_S = 0.5
Start = Callable[..., Awaitable[grpc.aio.Server]]


def query(n: int = 0) -> RegionQuery:
    return RegionQuery(parse_subject(ENTERPRISE), Edition.STANDARD, date(2023, 1, 1), date(2026, 10, 1), f"brk-{n}")


@pytest.fixture
async def start(pki: PkiLayout, tmp_path: Path) -> AsyncIterator[Start]:
    """``await start(port, latency_ms=…, insecure=…)``: a Tianjin node on that port (again after a stop)."""
    store = await SqlRecordStore.open(f"sqlite+aiosqlite:///{tmp_path / 'tianjin.db'}", REGION)
    await store.add_records(region_records(REGION))
    servers: list[grpc.aio.Server] = []

    async def run(port: int, *, latency_ms: float = 0.0, insecure: bool = False) -> grpc.aio.Server:
        tls = None if insecure else node_tls(pki, REGION)
        server, _ = await create_server(
            f"127.0.0.1:{port}", store, NodeConfig(REGION, latency_ms=latency_ms), tls=tls, insecure=insecure,
            signer=answer_signer(pki, REGION),
        )  # fmt: skip
        servers.append(server)
        return server

    yield run
    for server in servers:
        await server.stop(None)
    await store.close()


@pytest.fixture
async def guarded(pki: PkiLayout) -> AsyncIterator[Callable[..., BreakerFetcher]]:
    made: list[BreakerFetcher] = []

    def make(port: int, *, insecure: bool = False, threshold: int = 2) -> BreakerFetcher:
        target = f"127.0.0.1:{port}"
        client = (
            AdapterClient(REGION, target, insecure=True)
            if insecure
            else AdapterClient(REGION, target, tls=broker_tls(pki))
        )
        fetcher = BreakerFetcher(
            client, AsyncCircuitBreakerFactory(), RegionMetrics(CollectorRegistry()), failure_threshold=threshold,
            cooldown_s=COOLDOWN_S,
        )  # fmt: skip
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        await fetcher.close()


async def test_unavailable_region_opens_the_breaker_and_a_probe_notices_it_is_back(
    start: Start, guarded: Callable[..., BreakerFetcher]
) -> None:
    port = free_port()
    server = await start(port)
    fetcher = guarded(port)
    assert (await fetcher.fetch(query(), timeout=5)).status is RegionStatus.ANSWERED
    await server.stop(None)

    for n in range(2):  # two failures that count: the threshold
        with pytest.raises(RegionUnavailable) as failed:
            await fetcher.fetch(query(n), timeout=2)
        assert "circuit open" not in failed.value.reason
    assert await fetcher.state() == "opened"
    with pytest.raises(RegionUnavailable, match="circuit open"):
        await fetcher.fetch(query(9), timeout=2)

    await start(port)  # the node is back on its address
    for attempt in range(20):  # each try after a cooldown is one probe; the channel may still be reconnecting
        await asyncio.sleep(COOLDOWN_S + 0.05)
        try:
            answer = await fetcher.fetch(query(100 + attempt), timeout=5)
        except RegionUnavailable:
            continue
        assert answer.status is RegionStatus.ANSWERED
        break
    else:
        raise AssertionError("the breaker never closed again after the node came back")
    assert await fetcher.state() == "closed"


async def test_a_region_slower_than_the_deadline_is_answered_at_once_once_open_never_clean(
    start: Start, guarded: Callable[..., BreakerFetcher]
) -> None:
    port = free_port()
    await start(port, latency_ms=2000)
    fetcher = guarded(port)
    for n in range(2):
        with pytest.raises(RegionTimeout):
            await fetcher.fetch(query(n), timeout=0.3)
    loop = asyncio.get_running_loop()
    answers = await fan_out([fetcher], lambda region: query(5), loop.time() + 0.3)
    assert answers[0].status is RegionStatus.UNAVAILABLE
    assert not answers[0].answered
    assert answers[0].error is not None
    assert "circuit open" in answers[0].error

    # After the cooldown exactly one call probes (and waits); the others meanwhile keep the fast answer.
    await asyncio.sleep(COOLDOWN_S + 0.05)
    outcomes = await asyncio.gather(
        *(fetcher.fetch(query(10 + n), timeout=0.3) for n in range(3)), return_exceptions=True
    )
    assert sum(isinstance(o, RegionTimeout) for o in outcomes) == 1, outcomes
    fast = [o for o in outcomes if isinstance(o, RegionUnavailable)]
    assert len(fast) == 2, outcomes
    assert all("probe" in o.reason for o in fast), outcomes
    assert await fetcher.state() == "opened"  # the probe failed: open again


async def test_refusals_do_not_open_the_breaker(start: Start, guarded: Callable[..., BreakerFetcher]) -> None:
    port = free_port()
    await start(port, insecure=True)
    fetcher = guarded(port, insecure=True)  # no federation CA to check signatures: every answer is refused
    for n in range(5):
        with pytest.raises(RegionRefused):
            await fetcher.fetch(query(n), timeout=5)
    assert await fetcher.state() == "closed"
