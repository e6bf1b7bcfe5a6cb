"""adapters.metrics and the node's request id: a real node (SQLite, mTLS, warrant checks) counts each query —
latency by outcome, warrant refusals, rows read — and echoes the broker's request id in its trailing metadata
and its JSON log line."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from adapters.broker_jwks import BrokerJwks
from adapters.channel_config import REQUEST_ID_METADATA
from adapters.metrics import NodeMetrics
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from adapters.warrant_check import WarrantCheck
from merge.regions import Region
from tests.adapters.test_server import _query_call, penalty, query
from tests.adapters.test_warrant_check import BROKER, ISSUERS, key, warrant, write_jwks
from tests.adapters.tls import broker_tls, channel, node_tls
from tests.conftest import free_port

Node = tuple[NodeMetrics, grpc.aio.Channel]


@pytest.fixture
async def node(tmp_path: Path, pki: PkiLayout) -> AsyncIterator[Node]:
    db = f"sqlite+aiosqlite:///{tmp_path / 'tianjin.db'}"
    store = await SqlRecordStore.open(db, Region.TIANJIN)
    await store.add_records([penalty(n) for n in range(4)])
    verifier = await WarrantCheck.open(
        db, Region.TIANJIN, await BrokerJwks.load(write_jwks(tmp_path / "jwks.json", BROKER)), issuers=ISSUERS
    )
    metrics = NodeMetrics()
    server, port = await create_server(
        "127.0.0.1:0", store, NodeConfig(Region.TIANJIN), tls=node_tls(pki), verifier=verifier, metrics=metrics
    )
    to_node = channel(f"127.0.0.1:{port}", broker_tls(pki))
    yield metrics, to_node
    await to_node.close(None)
    await server.stop(None)
    await verifier.close()
    await store.close()


def _value(metrics: NodeMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_query_is_counted_and_its_request_id_comes_back(node: Node, caplog: pytest.LogCaptureFixture) -> None:
    metrics, to_node = node
    call = _query_call(to_node)(
        query(warrant=warrant(), request_id="field-id"), timeout=10, metadata=((REQUEST_ID_METADATA, "rid-42"),)
    )
    with caplog.at_level(logging.INFO, logger="adapters.server"):
        answer = await call
    assert answer.document
    assert (REQUEST_ID_METADATA, "rid-42") in tuple(await call.trailing_metadata() or ())
    (line,) = [r for r in caplog.records if r.getMessage().startswith("query ")]
    assert line.__dict__["request_id"] == "rid-42"  # the metadata wins over the field
    assert line.__dict__["outcome"] == "ok"
    assert _value(metrics, "jjj_node_query_seconds_count", outcome="ok") == 1
    assert _value(metrics, "jjj_node_rows_read_total") >= 1
    assert _value(metrics, "jjj_node_warrant_refusals_total") == 0


async def test_a_refused_warrant_is_counted(node: Node) -> None:
    metrics, to_node = node
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _query_call(to_node)(query(warrant=warrant(signer=key("other"))), timeout=10)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert _value(metrics, "jjj_node_warrant_refusals_total") == 1
    assert _value(metrics, "jjj_node_query_seconds_count", outcome="refused") == 1
    assert _value(metrics, "jjj_node_rows_read_total") == 0  # nothing read for a refused query


def test_metrics_are_served_over_http() -> None:
    metrics = NodeMetrics()
    metrics.warrant_refusals.inc()
    port = free_port()
    server = metrics.serve("127.0.0.1", port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "jjj_node_warrant_refusals_total 1.0" in body
