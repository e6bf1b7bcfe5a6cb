"""broker.reports.retries against a real node over mTLS with real warrants and its replay log.

The fault it exists for (issue 13): a node accepts a call — its single-use warrant is now spent in the region's
shared replay log — and dies before answering. Asked again with the same warrant, the region's other replica
refuses it as a replay; asked again with a fresh one, it answers. Here the "other replica" is a node started on
the same port over the same database, which is what a second replica is to the replay log.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import grpc
import pytest

from adapters.answer_verify import AnswerVerifier
from adapters.broker_jwks import BrokerJwks
from adapters.client import AdapterClient, RegionQuery
from adapters.errors import RegionRefused, RegionUnavailable
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from adapters.warrant_check import WarrantCheck
from broker.keys import init_keys
from broker.reports.retries import RetryingFetcher
from broker.reports.warrants import WarrantIssuer
from consent.authority import SELF_GRANT, QueryAuthority
from merge.answers import RegionStatus
from merge.editions import Edition
from merge.identifiers import parse_subject
from merge.regions import Region
from tests.adapters.tls import answer_signer, broker_tls, node_tls
from tests.broker.conftest import ENTERPRISE, WARRANT_ISSUER, region_records
from tests.conftest import free_port

REGION = Region.TIANJIN
SUBJECT = parse_subject(ENTERPRISE)
WINDOW = (date(2023, 1, 1), date(2026, 10, 1))


@dataclass
class Node:
    """A Tianjin node on a fixed port over one database; ``restart()`` brings up a fresh process-equivalent."""

    pki: PkiLayout
    port: int
    store: SqlRecordStore
    verifier: WarrantCheck
    issuer: WarrantIssuer
    servers: list[grpc.aio.Server] = field(default_factory=list)

    async def start(self, *, latency_ms: float = 0.0) -> grpc.aio.Server:
        server, _ = await create_server(
            f"127.0.0.1:{self.port}", self.store, NodeConfig(REGION, latency_ms=latency_ms),
            tls=node_tls(self.pki, REGION), verifier=self.verifier, signer=answer_signer(self.pki, REGION),
        )  # fmt: skip
        self.servers.append(server)
        return server

    def client(self) -> AdapterClient:
        return AdapterClient(
            REGION, f"127.0.0.1:{self.port}", tls=broker_tls(self.pki),
            answers=AnswerVerifier.from_pem(self.pki.ca_cert.read_bytes()),
        )  # fmt: skip

    async def accepted_jtis(self) -> list[str]:
        return sorted(e.jti for e in await self.verifier.log_entries() if e.outcome == "accepted")


@pytest.fixture
async def node(pki: PkiLayout, tmp_path: Path) -> AsyncIterator[Node]:
    db = f"sqlite+aiosqlite:///{tmp_path / 'tianjin.db'}"
    store = await SqlRecordStore.open(db, REGION)
    await store.add_records(region_records(REGION))
    ring = init_keys(tmp_path / "keys")
    (tmp_path / "jwks.json").write_text(json.dumps(ring.public_jwks()))
    verifier = await WarrantCheck.open(
        db, REGION, await BrokerJwks.load(str(tmp_path / "jwks.json")), issuers=(WARRANT_ISSUER,)
    )
    running = Node(pki, free_port(), store, verifier, WarrantIssuer(ring, issuer=WARRANT_ISSUER))
    yield running
    for server in running.servers:
        await server.stop(None)
    await verifier.close()
    await store.close()


#: Every warrant a test signed, in order: (token, jti).
Signed = list[tuple[bytes, str]]


def query(node: Node, signed: Signed, *, renewable: bool = True) -> RegionQuery:
    authority = QueryAuthority(SUBJECT, SELF_GRANT, "self", "self", "bidding")

    def sign() -> tuple[bytes, str]:
        warrant = node.issuer.issue(
            REGION, authority, edition=Edition.STANDARD, window_from=WINDOW[0], window_to=WINDOW[1],
            now=datetime.now(UTC),
        )  # fmt: skip
        signed.append((warrant.token, warrant.jti))
        return warrant.token, warrant.jti

    token, jti = sign()
    return RegionQuery(
        SUBJECT, Edition.STANDARD, *WINDOW, "req-retry", token, jti, renew_warrant=sign if renewable else None
    )


async def cut_after_acceptance(node: Node, call: asyncio.Future[object], slow: grpc.aio.Server) -> None:
    """Wait until the slow node has spent the call's warrant, then kill it and start a fast one in its place."""
    for _ in range(200):
        if await node.accepted_jtis():
            break
        assert not call.done(), call
        await asyncio.sleep(0.01)
    await slow.stop(None)
    await node.start()


async def fetch_once_reconnected(client: AdapterClient, resent: RegionQuery) -> None:
    for _ in range(50):  # until the channel has reconnected to the restarted node (backoff from 0.5 s)
        try:
            await client.fetch(resent, timeout=5)
        except RegionUnavailable:
            await asyncio.sleep(0.2)


async def test_a_call_cut_after_the_node_spent_its_warrant_is_asked_again_under_a_fresh_one(node: Node) -> None:
    slow = await node.start(latency_ms=2000)
    client = node.client()
    signed: Signed = []
    try:
        # More attempts than the default: the single channel here must reconnect to the restarted node (gRPC's
        # reconnect backoff starts at 0.5 s), where in production round robin sends the retry to the other replica.
        retrying = RetryingFetcher(client, attempts=12, pauses_s=(0.3,))
        call = asyncio.ensure_future(retrying.fetch(query(node, signed), timeout=8))
        await cut_after_acceptance(node, call, slow)  # type: ignore[arg-type]
        answer = await call
    finally:
        await client.close()
    assert answer.status is RegionStatus.ANSWERED
    assert answer.part is not None
    assert len(signed) >= 2  # one warrant per attempt
    # The first was spent by the node that died; only the attempt that got an answer spent another one.
    assert signed[0][1] in await node.accepted_jtis()
    assert await node.accepted_jtis() == sorted([signed[0][1], signed[-1][1]])


async def test_without_a_fresh_warrant_the_cut_call_is_unavailable_not_resent(node: Node) -> None:
    slow = await node.start(latency_ms=2000)
    client = node.client()
    signed: Signed = []
    try:
        call = asyncio.ensure_future(RetryingFetcher(client).fetch(query(node, signed, renewable=False), timeout=5))
        await cut_after_acceptance(node, call, slow)  # type: ignore[arg-type]
        with pytest.raises(RegionUnavailable):
            await call
        # What a resent request meets on the other replica (the channel's own retry did exactly this): a replay.
        [(token, jti)] = signed
        resent = RegionQuery(SUBJECT, Edition.STANDARD, *WINDOW, "req-resent", token, jti)
        with pytest.raises(RegionRefused, match="replayed"):
            await fetch_once_reconnected(client, resent)
    finally:
        await client.close()
