"""The node's gRPC server, on port 0, over the real SqlRecordStore on a temporary SQLite file, over mTLS with the
broker's certificate (the TLS rules themselves are tested in test_mtls.py), signing with Tianjin's answer key."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from adapters.answer_verify import AnswerVerifier
from adapters.convert import SERVICE_NAME, datetime_from_timestamp
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from adapters.subject_register import RegisteredSubject, SqlSubjectRegister
from merge.answer_document import AnswerDocument, SubjectStatus, read_document
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.identifiers import SubjectKind
from merge.records import Penalty, PenaltyCategory, Procedure, SubjectCategory
from merge.regions import Region
from protos.credit.v2 import adapter_pb2
from tests.adapters.tls import answer_signer, broker_tls, channel, node_tls

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
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]], pki: PkiLayout, tmp_path: Path
) -> AsyncIterator[Node]:
    """``await node(records, registered=[...], **NodeConfig fields)``: a running Tianjin node (its register holding
    ``registered``) and the broker's channel to it."""
    servers: list[grpc.aio.Server] = []
    channels: list[grpc.aio.Channel] = []
    registers: list[SqlSubjectRegister] = []

    async def start(
        records: list[AnyRecord] | None = None, registered: list[RegisteredSubject] = (), **config: object
    ) -> tuple[SqlRecordStore, grpc.aio.Channel]:
        store = await sqlite_store_factory(Region.TIANJIN)
        await store.add_records(records or [])
        register = await SqlSubjectRegister.open(f"sqlite+aiosqlite:///{tmp_path / 'register.db'}", Region.TIANJIN)
        registers.append(register)
        await register.register(registered)
        config_ = NodeConfig(Region.TIANJIN, **config)  # type: ignore[arg-type]
        server, port = await create_server(
            "127.0.0.1:0", store, config_, tls=node_tls(pki), signer=answer_signer(pki), register=register
        )
        servers.append(server)
        channels.append(channel(f"127.0.0.1:{port}", broker_tls(pki)))
        return store, channels[-1]

    yield start
    for open_channel in channels:
        await open_channel.close(None)
    for server in servers:
        await server.stop(None)
    for register in registers:
        await register.close()


def _query_call(
    channel: grpc.aio.Channel,
) -> grpc.aio.UnaryUnaryMultiCallable[adapter_pb2.QueryRecordsRequest, adapter_pb2.Answer]:
    return channel.unary_unary(
        f"/{SERVICE_NAME}/QueryRecords",
        request_serializer=adapter_pb2.QueryRecordsRequest.SerializeToString,
        response_deserializer=adapter_pb2.Answer.FromString,
    )


async def _response(channel: grpc.aio.Channel, request: adapter_pb2.QueryRecordsRequest) -> adapter_pb2.Answer:
    response: adapter_pb2.Answer = await _query_call(channel)(request, timeout=10)
    return response


async def _answer(
    channel: grpc.aio.Channel, pki: PkiLayout, request: adapter_pb2.QueryRecordsRequest
) -> AnswerDocument:
    """The node's answer, its signature verified as the broker verifies it, its document read and checked."""
    message = await _response(channel, request)
    signature = message.signature
    verifier = AnswerVerifier.from_pem(pki.ca_cert.read_bytes())
    verifier.verify(Region.TIANJIN, message.document, signature.scheme, signature.signature, signature.certificate)
    return read_document(message.document)


def _ids(document: AnswerDocument) -> set[str]:
    return {record.record_id for record in document.records.all()}


async def test_describe_declares_region_coverage_and_data_as_of(node: Node, pki: PkiLayout) -> None:
    store, channel = await node()
    describe = channel.unary_unary(
        f"/{SERVICE_NAME}/Describe",
        request_serializer=adapter_pb2.DescribeRequest.SerializeToString,
        response_deserializer=adapter_pb2.DescribeResponse.FromString,
    )
    answer = await describe(adapter_pb2.DescribeRequest(), timeout=5)
    assert answer.region_code == "120000"
    assert answer.region_name == "天津市"
    assert answer.protocol_version == "jjj.credit.v2"
    assert [d.code for d in answer.domains] == list(DEFAULT_COVERAGE[Region.TIANJIN])
    assert len(answer.domains) == 40
    assert answer.domains[20].name == "市场监管"
    assert set(answer.editions) == {1, 2, 3, 4}
    assert datetime_from_timestamp(answer.data_as_of) == await store.data_as_of()
    assert answer.answer_certificate == answer_signer(pki).certificate


async def test_query_answers_the_signed_document_and_its_signature_in_one_message(node: Node, pki: PkiLayout) -> None:
    _, channel = await node([penalty(n) for n in range(450)])
    message = await _response(channel, query())

    assert len(message.document) > 64 * 1024
    assert message.signature.scheme == "jjj.region-answer-signature/1"
    assert message.signature.certificate == answer_signer(pki).certificate
    document = await _answer(channel, pki, query())
    assert document.summary.total == 450
    assert document.summary.count_by_domain == {"market_regulation": 450}
    assert document.region_code == "120000"
    assert (document.request_id, document.edition) == ("req-1", "standard")
    assert (document.window.from_, document.window.to) == (TODAY - timedelta(days=3 * 365), TODAY)
    assert list(document.covered_domains) == sorted(DEFAULT_COVERAGE[Region.TIANJIN])
    assert len(_ids(document)) == 450


async def test_subject_without_records_gets_a_signed_document_without_records(node: Node, pki: PkiLayout) -> None:
    _, channel = await node([penalty(1)])
    document = await _answer(channel, pki, query(subject_id="91120000MA06ABCD1N"))
    assert document.summary.total == 0
    assert document.records.all() == []
    assert (document.subject.identifier, document.subject.name) == ("91120000MA06ABCD1N", "")
    assert document.subject.status is SubjectStatus.NOT_REGISTERED


async def test_the_subject_is_named_as_the_region_registered_it(node: Node, pki: PkiLayout) -> None:
    clean = "91120000MA06ABCD1N"
    registered = [
        RegisteredSubject(SubjectKind.ENTERPRISE, clean, "天津清白商贸有限公司", SubjectStatus.REGISTERED),
        RegisteredSubject(SubjectKind.ENTERPRISE, USCC, "天津市某某商贸（集团）有限公司", SubjectStatus.REVOKED),
    ]
    _, channel = await node([penalty(1)], registered=registered)
    # A clean enterprise is named although no record names it (it used to be nameless).
    document = await _answer(channel, pki, query(subject_id=clean))
    assert (document.subject.name, document.subject.status) == ("天津清白商贸有限公司", "registered")
    # The register's name and status win over the records'.
    document = await _answer(channel, pki, query())
    assert (document.subject.name, document.subject.status) == ("天津市某某商贸（集团）有限公司", "revoked")


async def test_an_unregistered_subject_is_named_as_its_newest_record_names_it(node: Node, pki: PkiLayout) -> None:
    _, channel = await node([penalty(5, subject_name="旧名称有限公司"), penalty(1, subject_name="新名称有限公司")])
    document = await _answer(channel, pki, query())
    assert (document.subject.name, document.subject.status) == ("新名称有限公司", "not_registered")


async def test_full_resident_ids_are_masked_before_signing(node: Node, pki: PkiLayout) -> None:
    facts = f"当事人法定代表人（身份证号{RESIDENT_ID}）未按规定公示"
    person = penalty(
        2, subject_category=SubjectCategory.NATURAL_PERSON, uscc="", id_type="身份证", id_number=RESIDENT_ID
    )
    _, channel = await node([penalty(1, violation_facts=facts), person])
    document = await _answer(channel, pki, query())
    assert document.records.penalty[0].violation_facts == "当事人法定代表人（身份证号120101********1235）未按规定公示"
    person_document = await _answer(
        channel, pki, query(subject_id=RESIDENT_ID, subject_kind=adapter_pb2.SUBJECT_KIND_PERSON)
    )
    assert person_document.subject.identifier == "120101********1235"
    assert person_document.records.penalty[0].id_number == "120101********1235"


async def test_edition_rules_are_applied_at_the_source(node: Node, pki: PkiLayout) -> None:
    records: list[AnyRecord] = [
        penalty(1, record_id="simple", procedure=Procedure.SIMPLE),
        penalty(2, record_id="warning", categories=(PenaltyCategory.WARNING,)),
        penalty(3, record_id="fine"),
        penalty(4, record_id="expired", publicity_until=TODAY - timedelta(days=1)),
    ]
    _, channel = await node(records)

    async def sent(edition: adapter_pb2.Edition) -> set[str]:
        return _ids(await _answer(channel, pki, query(edition=edition)))

    assert await sent(adapter_pb2.EDITION_STANDARD) == {"fine"}
    assert await sent(adapter_pb2.EDITION_ADMINISTRATIVE) == {"warning", "fine", "expired"}


async def test_records_outside_covered_domains_never_leave_the_node(node: Node, pki: PkiLayout) -> None:
    uncovered = "ethnic_religious"  # Beijing covers it, Tianjin's default coverage does not
    assert uncovered not in DEFAULT_COVERAGE[Region.TIANJIN]
    _, channel = await node([penalty(1, record_id="in"), penalty(2, record_id="out", domain=uncovered)])
    document = await _answer(channel, pki, query())
    assert _ids(document) == {"in"}
    assert document.summary.total == 1


def _unverified(claims: dict[str, str]) -> bytes:
    """A token shaped like a JWS whose payload names ``claims`` (the node reads the edition before verifying)."""
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return b"e30." + payload + b".sig"


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
        ({"confirmation_ref": "JJJ-20261203-000001"}, "confirmation_ref"),  # standard: nothing to confirm
        (
            {"edition": adapter_pb2.EDITION_UNSPECIFIED, "warrant": _unverified({"edition": "financial"})},
            "confirmation_ref",
        ),  # financial: a report number is required
        (
            {
                "edition": adapter_pb2.EDITION_UNSPECIFIED,
                "warrant": _unverified({"edition": "financial"}),
                "confirmation_ref": "JJJ-1",
            },
            "confirmation_ref",
        ),
    ],
)
async def test_invalid_request_is_refused_naming_the_field(node: Node, changes: dict[str, object], field: str) -> None:
    _, channel = await node([penalty(1)])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _response(channel, query(**changes))
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (caught.value.details() or "").startswith(f"{field}:")


async def test_invalid_resident_id_is_masked_in_the_error_and_the_log(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    bad = RESIDENT_ID[:-1] + "0"  # wrong check digit
    _, channel = await node()
    with caplog.at_level(logging.INFO, logger="adapters.server"), pytest.raises(grpc.aio.AioRpcError) as caught:
        await _response(channel, query(subject_id=bad, subject_kind=adapter_pb2.SUBJECT_KIND_PERSON))
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
        await _response(
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
            await _query_call(channel)(query(), timeout=0.2)
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
