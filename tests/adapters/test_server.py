"""The node's gRPC server, on port 0, over the real SqlRecordStore on a temporary SQLite file, over mTLS with the
broker's certificate (the TLS rules themselves are tested in test_mtls.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from adapters.convert import SERVICE_NAME, datetime_from_timestamp
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.records import Penalty, PenaltyCategory, Procedure, SubjectCategory
from merge.regions import Region
from protos.credit.v1 import adapter_pb2
from tests.adapters.tls import broker_tls, channel, node_tls

USCC = "91120116MA05JUKK35"
RESIDENT_ID = "120101199003071235"
TODAY = date(2025, 6, 30)

Node = Callable[..., Awaitable[tuple[SqlRecordStore, grpc.aio.Channel]]]


def penalty(n: int, **changes: object) -> Penalty:
    """A Tianjin penalty against USCC, decided ``n`` days before TODAY, still publicised."""
    fields: dict[str, object] = {
        "region_code": Region.TIANJIN.code,
        "record_id": f"t-{n:05d}",
        "domain": "market_regulation",
        "subject_name": "天津市某某商贸有限公司",
        "subject_category": SubjectCategory.LEGAL_PERSON,
        "uscc": USCC,
        "decision_no": f"津市监罚〔2024〕{n}号",
        "violation_type": "虚假宣传",
        "violation_facts": "发布虚假广告",
        "legal_basis": "《中华人民共和国广告法》第五十五条",
        "categories": (PenaltyCategory.FINE,),
        "content": "罚款1万元",
        "decision_date": TODAY - timedelta(days=n % 700),
        "publicity_until": TODAY + timedelta(days=365),
        "authority_name": "天津市滨海新区市场监督管理局",
        "authority_uscc": "11120116MB1744390L",
    }
    fields.update(changes)
    return Penalty.model_validate(fields)


def query(**changes: object) -> adapter_pb2.QueryRecordsRequest:
    fields: dict[str, object] = {
        "subject_id": USCC,
        "subject_kind": adapter_pb2.SUBJECT_KIND_ENTERPRISE,
        "edition": adapter_pb2.EDITION_STANDARD,
        "window_from": (TODAY - timedelta(days=3 * 365)).isoformat(),
        "window_to": TODAY.isoformat(),
        "request_id": "req-1",
    }
    fields.update(changes)
    return adapter_pb2.QueryRecordsRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def node(
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]], pki: PkiLayout
) -> AsyncIterator[Node]:
    """``await node(records, **NodeConfig fields)``: a running Tianjin node and the broker's channel to it."""
    servers: list[grpc.aio.Server] = []
    channels: list[grpc.aio.Channel] = []

    async def start(
        records: list[AnyRecord] | None = None, **config: object
    ) -> tuple[SqlRecordStore, grpc.aio.Channel]:
        store = await sqlite_store_factory(Region.TIANJIN)
        await store.add_records(records or [])
        config_ = NodeConfig(Region.TIANJIN, **config)  # type: ignore[arg-type]
        server, port = await create_server("127.0.0.1:0", store, config_, tls=node_tls(pki))
        servers.append(server)
        channels.append(channel(f"127.0.0.1:{port}", broker_tls(pki)))
        return store, channels[-1]

    yield start
    for open_channel in channels:
        await open_channel.close(None)
    for server in servers:
        await server.stop(None)


def _query_call(
    channel: grpc.aio.Channel,
) -> grpc.aio.UnaryStreamMultiCallable[adapter_pb2.QueryRecordsRequest, adapter_pb2.QueryRecordsResponse]:
    return channel.unary_stream(
        f"/{SERVICE_NAME}/QueryRecords",
        request_serializer=adapter_pb2.QueryRecordsRequest.SerializeToString,
        response_deserializer=adapter_pb2.QueryRecordsResponse.FromString,
    )


async def _responses(
    channel: grpc.aio.Channel, request: adapter_pb2.QueryRecordsRequest
) -> list[adapter_pb2.QueryRecordsResponse]:
    return [response async for response in _query_call(channel)(request, timeout=10)]


async def test_describe_declares_region_coverage_and_data_as_of(node: Node) -> None:
    store, channel = await node()
    describe = channel.unary_unary(
        f"/{SERVICE_NAME}/Describe",
        request_serializer=adapter_pb2.DescribeRequest.SerializeToString,
        response_deserializer=adapter_pb2.DescribeResponse.FromString,
    )
    answer = await describe(adapter_pb2.DescribeRequest(), timeout=5)
    assert answer.region_code == "120000"
    assert answer.region_name == "天津市"
    assert answer.protocol_version == "jjj.credit.v1"
    assert [d.code for d in answer.domains] == list(DEFAULT_COVERAGE[Region.TIANJIN])
    assert len(answer.domains) == 40
    assert answer.domains[20].name == "市场监管"
    assert set(answer.record_kinds) == {1, 2, 3}
    assert set(answer.editions) == {1, 2, 3, 4}
    assert datetime_from_timestamp(answer.data_as_of) == await store.data_as_of()


async def test_query_streams_full_pages_then_one_summary(node: Node) -> None:
    _, channel = await node([penalty(n) for n in range(450)], page_size=200)
    responses = await _responses(channel, query())

    kinds = [r.WhichOneof("item") for r in responses]
    assert kinds == ["page", "page", "page", "summary"]
    assert [r.page.page_no for r in responses[:3]] == [1, 2, 3]
    assert [len(r.page.records) for r in responses[:3]] == [200, 200, 50]
    summary = responses[-1].summary
    assert summary.total == 450
    assert dict(summary.count_by_domain) == {"market_regulation": 450}
    assert summary.region_code == "120000"
    assert list(summary.covered_domains) == list(DEFAULT_COVERAGE[Region.TIANJIN])
    ids = [rec.record_id for r in responses[:3] for rec in r.page.records]
    assert len(set(ids)) == 450


async def test_requested_page_size_is_capped_by_the_node(node: Node) -> None:
    _, channel = await node([penalty(n) for n in range(7)], page_size=2, max_page_size=3)
    responses = await _responses(channel, query(page_size=500))
    assert [len(r.page.records) for r in responses[:-1]] == [3, 3, 1]


async def test_subject_without_records_gets_only_a_summary(node: Node) -> None:
    _, channel = await node([penalty(1)])
    responses = await _responses(channel, query(subject_id="91120000MA06ABCD1N"))
    assert [r.WhichOneof("item") for r in responses] == ["summary"]
    assert responses[0].summary.total == 0


async def test_edition_rules_are_applied_at_the_source(node: Node) -> None:
    records: list[AnyRecord] = [
        penalty(1, record_id="simple", procedure=Procedure.SIMPLE),
        penalty(2, record_id="warning", categories=(PenaltyCategory.WARNING,)),
        penalty(3, record_id="fine"),
        penalty(4, record_id="expired", publicity_until=TODAY - timedelta(days=1)),
    ]
    _, channel = await node(records)

    async def sent(edition: adapter_pb2.Edition) -> set[str]:
        responses = await _responses(channel, query(edition=edition))
        return {rec.record_id for r in responses if r.HasField("page") for rec in r.page.records}

    assert await sent(adapter_pb2.EDITION_STANDARD) == {"fine"}
    assert await sent(adapter_pb2.EDITION_ADMINISTRATIVE) == {"warning", "fine", "expired"}


async def test_records_outside_covered_domains_never_leave_the_node(node: Node) -> None:
    uncovered = "ethnic_religious"  # Beijing covers it, Tianjin's default coverage does not
    assert uncovered not in DEFAULT_COVERAGE[Region.TIANJIN]
    _, channel = await node([penalty(1, record_id="in"), penalty(2, record_id="out", domain=uncovered)])
    responses = await _responses(channel, query())
    assert [rec.record_id for rec in responses[0].page.records] == ["in"]
    assert responses[-1].summary.total == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject_id": "91120116MA05JUKK36"}, "subject_id"),
        ({"subject_kind": adapter_pb2.SUBJECT_KIND_UNSPECIFIED}, "subject_kind"),
        ({"edition": adapter_pb2.EDITION_UNSPECIFIED}, "edition"),
        ({"edition": adapter_pb2.EDITION_PERSON}, "edition"),
        ({"window_from": "2024/01/01"}, "window_from"),
        ({"window_to": "2025-02-30"}, "window_to"),
        ({"window_from": "2025-07-01", "window_to": "2025-06-30"}, "window_from"),
        ({"request_id": ""}, "request_id"),
        ({"request_id": "two words"}, "request_id"),
    ],
)
async def test_invalid_request_is_refused_naming_the_field(node: Node, changes: dict[str, object], field: str) -> None:
    _, channel = await node([penalty(1)])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _responses(channel, query(**changes))
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (caught.value.details() or "").startswith(f"{field}:")


async def test_invalid_resident_id_is_masked_in_the_error_and_the_log(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    bad = RESIDENT_ID[:-1] + "0"  # wrong check digit
    _, channel = await node()
    with caplog.at_level(logging.INFO, logger="adapters.server"), pytest.raises(grpc.aio.AioRpcError) as caught:
        await _responses(channel, query(subject_id=bad, subject_kind=adapter_pb2.SUBJECT_KIND_PERSON))
    assert (caught.value.details() or "").startswith("subject_id:")
    assert bad not in (caught.value.details() or "")
    # The node writes its query line as the handler ends, which may be just after the caller saw the status.
    for _ in range(100):
        if "120101********1230" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert bad not in caplog.text
    assert "120101********1230" in caplog.text


async def test_one_log_line_per_query_without_content(node: Node, caplog: pytest.LogCaptureFixture) -> None:
    person = penalty(
        1,
        subject_category=SubjectCategory.NATURAL_PERSON,
        uscc="",
        id_type="身份证",
        id_number=RESIDENT_ID,
    )
    _, channel = await node([person])
    with caplog.at_level(logging.INFO, logger="adapters.server"):
        await _responses(
            channel, query(subject_id=RESIDENT_ID, subject_kind=adapter_pb2.SUBJECT_KIND_PERSON, request_id="r-42")
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.server"]
    assert len(lines) == 1
    assert "request_id=r-42" in lines[0]
    assert "subject=120101********1235" in lines[0]
    assert "edition=standard" in lines[0]
    assert "count=1" in lines[0]
    assert RESIDENT_ID not in caplog.text
    assert "虚假" not in caplog.text


async def test_deadline_cancels_the_query_on_the_node(node: Node, caplog: pytest.LogCaptureFixture) -> None:
    _, channel = await node([penalty(1)], latency_ms=2000)
    with caplog.at_level(logging.INFO, logger="adapters.server"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            [r async for r in _query_call(channel)(query(), timeout=0.2)]
        assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        for _ in range(50):  # the server notices the cancellation asynchronously
            if "outcome=cancelled" in caplog.text:
                break
            await asyncio.sleep(0.02)
    assert "outcome=cancelled" in caplog.text
    assert "outcome=ok" not in caplog.text


async def test_health_service_reports_serving(node: Node) -> None:
    _, channel = await node()
    check = channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
        response_deserializer=health_pb2.HealthCheckResponse.FromString,
    )
    for service in ("", SERVICE_NAME):
        answer = await check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_service(node: Node) -> None:
    _, channel = await node()
    info = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    call = info(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    responses = [r async for r in call]
    names = {s.name for s in responses[0].list_services_response.service}
    assert {SERVICE_NAME, "grpc.health.v1.Health"} <= names
