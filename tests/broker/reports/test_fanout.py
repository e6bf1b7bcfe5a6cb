"""broker.reports.fanout: the slowest region is asked first, and answers come back in the regions' order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import grpc
import pytest

from adapters.client import AdapterClient, RegionQuery
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from broker.reports.fanout import SlowestFirst, fan_out
from merge.answers import RegionStatus
from merge.editions import Edition
from merge.identifiers import parse_subject
from merge.regions import REGION_ORDER, Region
from tests.adapters.tls import answer_signer, broker_tls, node_tls
from tests.broker.conftest import ENTERPRISE, region_records

LATENCY_MS = {Region.BEIJING: 0.0, Region.TIANJIN: 40.0, Region.HEBEI: 80.0}


@pytest.fixture
async def clients(pki: PkiLayout, tmp_path: Path) -> AsyncIterator[list[AdapterClient]]:
    """Three real nodes (no warrant check: this is about the fan-out, the warrant tests are elsewhere)."""
    servers: list[grpc.aio.Server] = []
    stores: list[SqlRecordStore] = []
    clients: list[AdapterClient] = []
    for region in REGION_ORDER:
        store = await SqlRecordStore.open(f"sqlite+aiosqlite:///{tmp_path / region.value}.db", region)
        await store.add_records(region_records(region))
        config = NodeConfig(region=region, latency_ms=LATENCY_MS[region])
        server, port = await create_server(
            "127.0.0.1:0", store, config, tls=node_tls(pki, region), signer=answer_signer(pki, region)
        )
        servers.append(server)
        stores.append(store)
        clients.append(AdapterClient(region, f"127.0.0.1:{port}", tls=broker_tls(pki)))
    yield clients
    for client in clients:
        await client.close()
    for server in servers:
        await server.stop(grace=None)
    for store in stores:
        await store.close()


def _query(region: Region) -> RegionQuery:
    return RegionQuery(
        subject=parse_subject(ENTERPRISE),
        edition=Edition.STANDARD,
        window_from=date(2023, 1, 1),
        window_to=date(2026, 10, 1),
        request_id=f"fan-out-{region.value}",
    )


async def test_answers_keep_the_regions_order_and_the_slowest_is_asked_first_next_time(
    clients: list[AdapterClient],
) -> None:
    order = SlowestFirst()
    assert [f.region for f in order.order(clients)] == list(REGION_ORDER)  # nothing seen yet: as given
    for _ in range(2):
        deadline = asyncio.get_running_loop().time() + 5.0
        answers = await fan_out(clients, _query, deadline, order=order)
        assert [a.region_code for a in answers] == [r.code for r in REGION_ORDER]
        assert {a.status for a in answers} == {RegionStatus.ANSWERED}
        # Learned from the answers: Hebei (80 ms) is asked first, then Tianjin, then Beijing.
        assert [f.region for f in order.order(clients)] == [Region.HEBEI, Region.TIANJIN, Region.BEIJING]


async def test_one_slow_answer_does_not_reorder_the_regions(clients: list[AdapterClient]) -> None:
    order = SlowestFirst(weight=0.2)
    for region, ms in ((Region.BEIJING, 10.0), (Region.TIANJIN, 20.0), (Region.HEBEI, 40.0)):
        order.observe(region, ms)
    order.observe(Region.BEIJING, 100.0)  # one outlier: 10 + 0.2 × 90 = 28 ms, still below Hebei's 40
    assert [f.region for f in order.order(clients)] == [Region.HEBEI, Region.BEIJING, Region.TIANJIN]
    for _ in range(10):
        order.observe(Region.BEIJING, 100.0)  # a lasting change does
    assert order.order(clients)[0].region is Region.BEIJING


@pytest.mark.parametrize("weight", [0.0, -0.1, 1.5])
def test_weight_must_be_a_fraction(weight: float) -> None:
    with pytest.raises(ValueError, match="weight"):
        SlowestFirst(weight=weight)
