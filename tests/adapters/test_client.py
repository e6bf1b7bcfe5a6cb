"""AdapterClient against real nodes (real SqlRecordStore on SQLite) and against a misbehaving gRPC peer, all over
mTLS with the test PKI's certificates (the TLS rules themselves: test_mtls.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest

from adapters.client import AdapterClient, RegionQuery
from adapters.convert import SERVICE_NAME, record_to_proto, timestamp_from_datetime
from adapters.errors import RegionError, RegionFailure, RegionRefused, RegionTimeout, RegionUnavailable
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.server_tls import server_credentials
from adapters.store import SqlRecordStore
from merge.answers import RegionStatus
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region
from protos.credit.v1 import adapter_pb2
from tests.adapters.test_server import TODAY, USCC, penalty
from tests.adapters.tls import broker_tls, node_tls

SUBJECT = Subject(SubjectKind.ENTERPRISE, USCC)
Start = Callable[..., Awaitable[tuple[grpc.aio.Server, str]]]


def region_query(request_id: str = "req-1", edition: Edition = Edition.STANDARD) -> RegionQuery:
    return RegionQuery(SUBJECT, edition, TODAY - timedelta(days=3 * 365), TODAY, request_id)


@pytest.fixture
async def start_node(
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]], pki: PkiLayout
) -> AsyncIterator[Start]:
    """``await start_node(records, **NodeConfig fields)`` → (server, "127.0.0.1:port") of a Tianjin node."""
    servers: list[grpc.aio.Server] = []

    async def start(records: list[AnyRecord] | None = None, **config: object) -> tuple[grpc.aio.Server, str]:
        store = await sqlite_store_factory(Region.TIANJIN)
        await store.add_records(records or [])
        node_config = NodeConfig(Region.TIANJIN, **config)  # type: ignore[arg-type]
        server, port = await create_server("127.0.0.1:0", store, node_config, tls=node_tls(pki))
        servers.append(server)
        return server, f"127.0.0.1:{port}"

    yield start
    for server in servers:
        await server.stop(None)


@pytest.fixture
async def clients(pki: PkiLayout) -> AsyncIterator[Callable[..., AdapterClient]]:
    made: list[AdapterClient] = []

    def make(target: str, region: Region = Region.TIANJIN, page_size: int = 500) -> AdapterClient:
        client = AdapterClient(region, target, tls=broker_tls(pki), page_size=page_size)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def test_fetch_assembles_pages_into_one_checked_answer(
    start_node: Start, clients: Callable[..., AdapterClient]
) -> None:
    records = [penalty(n) for n in range(450)]
    _, target = await start_node(records, page_size=1000)
    client = clients(target, page_size=200)

    answer = await client.fetch(region_query(), timeout=10)

    assert answer.status is RegionStatus.ANSWERED
    assert answer.region_code == "120000"
    assert len(answer.records) == 450
    assert {r.record_id for r in answer.records} == {r.record_id for r in records}
    stored = {r.record_id: r for r in records}
    assert all(stored[r.record_id] == r for r in answer.records)
    assert answer.covered_domains == frozenset(DEFAULT_COVERAGE[Region.TIANJIN])
    assert answer.data_as_of is not None
    assert answer.latency_ms > 0


async def test_describe_and_health(start_node: Start, clients: Callable[..., AdapterClient]) -> None:
    _, target = await start_node()
    client = clients(target)
    description = await client.describe(timeout=5)
    assert description.region_code == "120000"
    assert await client.health(timeout=5) == "SERVING"
    assert await client.health(timeout=5, service="") == "SERVING"


async def test_stopped_node_is_unavailable(start_node: Start, clients: Callable[..., AdapterClient]) -> None:
    server, target = await start_node([penalty(1)])
    client = clients(target)
    assert len((await client.fetch(region_query(), timeout=5)).records) == 1
    await server.stop(None)

    with pytest.raises(RegionUnavailable) as caught:
        await client.fetch(region_query(), timeout=5)
    assert caught.value.status is RegionStatus.UNAVAILABLE
    assert caught.value.to_answer().status is RegionStatus.UNAVAILABLE
    assert caught.value.to_answer().records == ()
    assert await client.health(timeout=2) == "UNREACHABLE"


async def test_slow_node_times_out(start_node: Start, clients: Callable[..., AdapterClient]) -> None:
    _, target = await start_node([penalty(1)], latency_ms=1500)
    client = clients(target)
    with pytest.raises(RegionTimeout) as caught:
        await client.fetch(region_query(), timeout=0.3)
    assert caught.value.status is RegionStatus.TIMED_OUT
    assert 250 < caught.value.latency_ms < 1400


async def test_node_of_another_region_is_refused(start_node: Start, clients: Callable[..., AdapterClient]) -> None:
    _, target = await start_node([penalty(1)])
    # A Beijing client wired to the Tianjin node must not report Tianjin's answer as Beijing's: over mTLS the
    # Tianjin certificate is refused before any query is sent (the answer's region_code check is the second line).
    with pytest.raises(RegionRefused, match="certificate names region 120000, expected 110000"):
        await clients(target, region=Region.BEIJING).fetch(region_query(), timeout=5)


async def test_invalid_request_is_an_error_not_an_answer(
    start_node: Start, clients: Callable[..., AdapterClient]
) -> None:
    _, target = await start_node()
    with pytest.raises(RegionError, match="INVALID_ARGUMENT: request_id"):
        await clients(target).fetch(region_query(request_id="has space"), timeout=5)


# ---- a peer that breaks the protocol ----------------------------------------------------------------------

_COVERED = list(DEFAULT_COVERAGE[Region.TIANJIN])


def _page(page_no: int, *records: adapter_pb2.Record) -> adapter_pb2.QueryRecordsResponse:
    return adapter_pb2.QueryRecordsResponse(page=adapter_pb2.RecordPage(page_no=page_no, records=records))


def _summary(total: int, counts: dict[str, int], region_code: str = "120000") -> adapter_pb2.QueryRecordsResponse:
    return adapter_pb2.QueryRecordsResponse(
        summary=adapter_pb2.QuerySummary(
            count_by_domain=counts,
            total=total,
            data_as_of=timestamp_from_datetime(datetime.now(UTC)),
            covered_domains=_COVERED,
            region_code=region_code,
        )
    )


def _good(n: int, **changes: object) -> adapter_pb2.Record:
    return record_to_proto(penalty(n, **changes))


def _bad_date() -> adapter_pb2.Record:
    record = _good(1)
    record.penalty.decision_date = "yesterday"
    return record


ROGUE: dict[str, list[adapter_pb2.QueryRecordsResponse]] = {
    "no-summary": [_page(1, _good(1))],
    "total-mismatch": [_page(1, _good(1)), _summary(2, {"market_regulation": 2})],
    "count-mismatch": [_page(1, _good(1)), _summary(1, {"taxation": 1})],
    "wrong-region": [_page(1, _good(1)), _summary(1, {"market_regulation": 1}, region_code="130000")],
    "after-summary": [_summary(0, {}), _page(1, _good(1))],
    "two-summaries": [_summary(0, {}), _summary(0, {})],
    "page-gap": [_page(2, _good(1)), _summary(1, {"market_regulation": 1})],
    "bad-record": [_page(1, _bad_date()), _summary(1, {"market_regulation": 1})],
    "uncovered-domain": [
        _page(1, _good(1, domain="ethnic_religious")),
        _summary(1, {"ethnic_religious": 1}),
    ],
    "duplicate": [_page(1, _good(1), _good(1)), _summary(2, {"market_regulation": 2})],
    "empty-message": [adapter_pb2.QueryRecordsResponse(), _summary(0, {})],
}
VALID = [_page(1, _good(1)), _page(2, _good(2)), _summary(2, {"market_regulation": 2})]
ABORTS = {
    "denied": grpc.StatusCode.PERMISSION_DENIED,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "internal": grpc.StatusCode.INTERNAL,
}


async def _rogue_query(
    request: adapter_pb2.QueryRecordsRequest, context: grpc.aio.ServicerContext[object, object]
) -> AsyncIterator[adapter_pb2.QueryRecordsResponse]:
    if request.request_id in ABORTS:
        await context.abort(ABORTS[request.request_id], "go away")
    for response in VALID if request.request_id == "valid" else ROGUE[request.request_id]:
        yield response


@pytest.fixture
async def rogue_target(pki: PkiLayout) -> AsyncIterator[str]:
    """A peer with Tianjin's genuine certificate that breaks the protocol on request."""
    server = grpc.aio.server()
    handler = grpc.unary_stream_rpc_method_handler(
        _rogue_query,
        request_deserializer=adapter_pb2.QueryRecordsRequest.FromString,
        response_serializer=adapter_pb2.QueryRecordsResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, {"QueryRecords": handler}),))
    port = server.add_secure_port("127.0.0.1:0", server_credentials(node_tls(pki)))
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


@pytest.mark.parametrize("mode", sorted(ROGUE))
async def test_a_stream_that_breaks_the_protocol_is_never_an_answer(
    rogue_target: str, clients: Callable[..., AdapterClient], mode: str
) -> None:
    with pytest.raises(RegionError) as caught:
        await clients(rogue_target).fetch(region_query(request_id=mode), timeout=5)
    assert caught.value.to_answer().status is RegionStatus.ERROR
    assert "yesterday" not in caught.value.reason  # record content never travels in the reason


@pytest.mark.parametrize(
    ("mode", "failure"), [("denied", RegionRefused), ("unauthenticated", RegionRefused), ("internal", RegionError)]
)
async def test_status_codes_are_translated(
    rogue_target: str, clients: Callable[..., AdapterClient], mode: str, failure: type[RegionFailure]
) -> None:
    with pytest.raises(failure):
        await clients(rogue_target).fetch(region_query(request_id=mode), timeout=5)


async def test_a_valid_stream_from_the_same_peer_is_accepted(
    rogue_target: str, clients: Callable[..., AdapterClient]
) -> None:
    # Control for the rogue cases: the peer itself is fine when it keeps the protocol.
    answer = await clients(rogue_target).fetch(region_query(request_id="valid"), timeout=5)
    assert [r.record_id for r in answer.records] == ["t-00001", "t-00002"]
    assert isinstance(answer.records[0].decision_date, date)  # type: ignore[union-attr]
