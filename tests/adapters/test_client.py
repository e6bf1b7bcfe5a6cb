"""AdapterClient against real nodes (real SqlRecordStore on SQLite) and against a misbehaving gRPC peer, all over
mTLS with the test PKI's certificates (the TLS rules themselves: test_mtls.py): the peer's answers are signed
documents, and every way of getting one wrong is refused — a bad or missing signature, another region's key, a
document that breaks its schema or its own statements, one about another query — never an answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest

from adapters.answer_signing import AnswerSigner
from adapters.answer_verify import certificate_der
from adapters.client import AdapterClient, RegionQuery
from adapters.convert import SERVICE_NAME
from adapters.errors import RegionError, RegionFailure, RegionRefused, RegionTimeout, RegionUnavailable
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.server_tls import server_credentials
from adapters.store import SqlRecordStore
from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import encode_document, record_models
from merge.answers import RegionStatus
from merge.canonical import canonical_json_of
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region
from protos.credit.v2 import adapter_pb2
from tests.adapters.test_server import TODAY, USCC, penalty
from tests.adapters.tls import answer_signer, broker_tls, node_tls

SUBJECT = Subject(SubjectKind.ENTERPRISE, USCC)
Start = Callable[..., Awaitable[tuple[grpc.aio.Server, str]]]


WINDOW_FROM = TODAY - timedelta(days=3 * 365)


def region_query(request_id: str = "req-1", edition: Edition = Edition.STANDARD) -> RegionQuery:
    return RegionQuery(SUBJECT, edition, WINDOW_FROM, TODAY, request_id)


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
        server, port = await create_server(
            "127.0.0.1:0", store, node_config, tls=node_tls(pki), signer=answer_signer(pki)
        )
        servers.append(server)
        return server, f"127.0.0.1:{port}"

    yield start
    for server in servers:
        await server.stop(None)


@pytest.fixture
async def clients(pki: PkiLayout) -> AsyncIterator[Callable[..., AdapterClient]]:
    made: list[AdapterClient] = []

    def make(target: str, region: Region = Region.TIANJIN) -> AdapterClient:
        client = AdapterClient(region, target, tls=broker_tls(pki))
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def test_fetch_gives_one_checked_signed_answer(
    start_node: Start, clients: Callable[..., AdapterClient], pki: PkiLayout
) -> None:
    records = [penalty(n) for n in range(450)]
    _, target = await start_node(records)
    client = clients(target)

    answer = await client.fetch(region_query(), timeout=10)

    assert answer.status is RegionStatus.ANSWERED
    assert answer.region_code == "120000"
    assert answer.document is not None
    assert answer.part is not None
    received = record_models(answer.document)
    assert len(received) == 450
    stored = {r.record_id: r for r in records}
    assert all(stored[r.record_id] == r for r in received)
    assert answer.covered_domains == frozenset(DEFAULT_COVERAGE[Region.TIANJIN])
    assert answer.data_as_of is not None
    assert answer.latency_ms > 0
    # The part is the bytes the node signed, and who signed them is named.
    assert answer.part.certificate == answer_signer(pki).certificate
    assert answer.signer is not None
    assert "region 120000 answers" in answer.signer


async def test_an_answer_over_the_brokers_receive_limit_is_never_an_answer(
    start_node: Start, clients: Callable[..., AdapterClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The answer is one message: gRPC refuses one larger than the channel's limit before anything reads it.
    _, target = await start_node([penalty(n) for n in range(450)])
    monkeypatch.setattr("adapters.channel_config.MAX_MESSAGE_BYTES", 16 * 1024)
    with pytest.raises(RegionFailure) as caught:
        await clients(target).fetch(region_query(), timeout=5)
    assert caught.value.to_answer().status is not RegionStatus.ANSWERED
    assert "RESOURCE_EXHAUSTED" in caught.value.reason


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
    assert (await client.fetch(region_query(), timeout=5)).record_count == 1
    await server.stop(None)

    with pytest.raises(RegionUnavailable) as caught:
        await client.fetch(region_query(), timeout=5)
    assert caught.value.status is RegionStatus.UNAVAILABLE
    assert caught.value.to_answer().status is RegionStatus.UNAVAILABLE
    assert caught.value.to_answer().part is None
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
#
# The peer holds Tianjin's genuine TLS certificate. Each mode is the request id it is asked with: the document it
# answers starts as a valid answer to region_query(request_id=mode) and is changed as the mode says (``_DOC``),
# or the signature is (``_SIGN``), or the message is (``_MESSAGE``).

Document = dict[str, object]


def _valid_document(request_id: str) -> Document:
    context = AnswerContext(
        "120000", request_id, "", Edition.STANDARD, WINDOW_FROM, TODAY, datetime.now(UTC),
        DEFAULT_COVERAGE[Region.TIANJIN],
    )  # fmt: skip
    document = build_document(context, answer_subject(SubjectKind.ENTERPRISE, USCC), [penalty(1), penalty(2)])
    value: Document = json.loads(encode_document(document))
    return value


def _records(document: Document) -> list[dict[str, object]]:
    return document["records"]["penalty"]  # type: ignore[index,no-any-return]


def _set(path: str, value: object) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        *parents, last = path.split(".")
        target: object = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value  # type: ignore[index]

    return change


#: Documents that break the schema or their own statements: status ``refused`` ("answer refused: …").
_DOC: dict[str, Callable[[Document], None]] = {
    "total-mismatch": _set("summary.total", 3),
    "count-mismatch": _set("summary.count_by_domain", {"taxation": 2}),
    "bad-date": _set("records.penalty.0.decision_date", "yesterday"),
    "unknown-domain": lambda d: (_set("records.penalty.0.domain", "no_such_domain")(d),
                                 _set("summary.count_by_domain", {"market_regulation": 1, "no_such_domain": 1})(d)),
    "uncovered-domain": lambda d: (_set("records.penalty.0.domain", "ethnic_religious")(d),
                                   _set("summary.count_by_domain", {"market_regulation": 1, "ethnic_religious": 1})(d)),
    "duplicate-id": _set("records.penalty.1.record_id", "t-00001"),
    "unknown-field": _set("records.penalty.0.secret", "x"),
    "unknown-category": _set("records.penalty.0.categories", ["罚酒三杯"]),
    "negative-amount": _set("records.penalty.0.fine_amount", "-1"),
    "float-amount": _set("records.penalty.0.fine_amount", 0.5),
    "full-resident-id": _set("records.penalty.0.violation_facts", "法定代表人身份证号120101199003071235"),
    "missing-field": lambda d: _records(d)[0].pop("decision_no"),
    "default-written-out": _set("records.penalty.0.remarks", ""),
}  # fmt: skip
#: Signed statements about another query: status ``refused`` ("answer not authenticated: …").
_MISMATCH: dict[str, Callable[[Document], None]] = {
    "other-request": _set("request_id", "someone-else"),
    "other-window": _set("window.from", "2001-01-01"),
    "other-edition": _set("edition", "administrative"),
    "other-subject": _set("subject.identifier", "91120000MA06ABCD1N"),
    "other-region": _set("region_code", "130000"),
    "other-warrant": _set("warrant_id", "jti-of-another-query"),
}
NOT_CANONICAL = "not-canonical"
_MESSAGE = {"no-signature", "no-document", "empty-message"}
#: Signatures that do not authenticate the document: status ``refused``.
_SIGN = {"unsigned", "tampered", "other-region-key", "foreign-ca-key", "tls-key", "unknown-scheme"}


def _document_bytes(mode: str) -> bytes:
    document = _valid_document(mode)
    if mode in _DOC:
        _DOC[mode](document)
    if mode in _MISMATCH:
        _MISMATCH[mode](document)
    if mode == NOT_CANONICAL:
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    return canonical_json_of(document)


def _signature(mode: str, data: bytes, pki: PkiLayout, foreign_pki: PkiLayout) -> adapter_pb2.AnswerSignature:
    signer: AnswerSigner = answer_signer(pki)
    if mode == "other-region-key":
        signer = answer_signer(pki, Region.HEBEI)
    if mode == "foreign-ca-key":
        signer = answer_signer(foreign_pki)
    signed = signer.sign(data + (b" " if mode == "tampered" else b""))
    certificate = signed.certificate
    if mode == "tls-key":
        certificate = certificate_der(pki.node_cert(Region.TIANJIN).read_bytes())
    if mode == "unsigned":
        return adapter_pb2.AnswerSignature()
    scheme = "jjj.region-answer-signature/0" if mode == "unknown-scheme" else signed.scheme
    return adapter_pb2.AnswerSignature(scheme=scheme, signature=signed.signature, certificate=certificate)


ABORTS = {
    "denied": grpc.StatusCode.PERMISSION_DENIED,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "internal": grpc.StatusCode.INTERNAL,
    "cancelled": grpc.StatusCode.CANCELLED,
}


@pytest.fixture
async def rogue_target(pki: PkiLayout, foreign_pki: PkiLayout) -> AsyncIterator[str]:
    """A peer with Tianjin's genuine certificates that breaks the protocol on request."""

    async def rogue_query(
        request: adapter_pb2.QueryRecordsRequest, context: grpc.aio.ServicerContext[object, object]
    ) -> adapter_pb2.Answer:
        mode = request.request_id
        if mode in ABORTS:
            await context.abort(ABORTS[mode], "go away")
        data = _document_bytes(mode)
        signature = _signature(mode, data, pki, foreign_pki)
        if mode == "empty-message":
            return adapter_pb2.Answer()
        if mode == "no-signature":
            return adapter_pb2.Answer(document=data)
        if mode == "no-document":
            return adapter_pb2.Answer(signature=signature)
        return adapter_pb2.Answer(document=data, signature=signature)

    server = grpc.aio.server()
    handler = grpc.unary_unary_rpc_method_handler(
        rogue_query,
        request_deserializer=adapter_pb2.QueryRecordsRequest.FromString,
        response_serializer=adapter_pb2.Answer.SerializeToString,
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, {"QueryRecords": handler}),))
    port = server.add_secure_port("127.0.0.1:0", server_credentials(node_tls(pki)))
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


@pytest.mark.parametrize("mode", sorted([*_DOC, NOT_CANONICAL, *_MESSAGE]))
async def test_a_message_or_document_that_breaks_the_protocol_is_never_an_answer(
    rogue_target: str, clients: Callable[..., AdapterClient], mode: str
) -> None:
    with pytest.raises(RegionRefused, match="answer refused") as caught:
        await clients(rogue_target).fetch(region_query(request_id=mode), timeout=5)
    assert caught.value.to_answer().status is RegionStatus.REFUSED
    # Record content never travels in the reason.
    assert "yesterday" not in caught.value.reason
    assert "120101199003071235" not in caught.value.reason


@pytest.mark.parametrize("mode", sorted([*_SIGN, *_MISMATCH]))
async def test_an_answer_that_cannot_be_authenticated_is_refused(
    rogue_target: str, clients: Callable[..., AdapterClient], mode: str
) -> None:
    with pytest.raises(RegionRefused, match="answer not authenticated") as caught:
        await clients(rogue_target).fetch(region_query(request_id=mode), timeout=5)
    assert caught.value.to_answer().status is RegionStatus.REFUSED


async def test_another_regions_key_is_named_in_the_refusal(
    rogue_target: str, clients: Callable[..., AdapterClient]
) -> None:
    with pytest.raises(RegionRefused, match="certificate names region 130000, expected 120000"):
        await clients(rogue_target).fetch(region_query(request_id="other-region-key"), timeout=5)


@pytest.mark.parametrize(
    ("mode", "failure"),
    [
        ("denied", RegionRefused),
        ("unauthenticated", RegionRefused),
        ("internal", RegionError),
        # A stopping server cancels calls it had not yet handled: the region is unreachable, and retried.
        ("cancelled", RegionUnavailable),
    ],
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
    assert answer.document is not None
    assert [r.record_id for r in answer.document.records.penalty] == ["t-00001", "t-00002"]
    assert isinstance(answer.document.records.penalty[0].decision_date, date)
