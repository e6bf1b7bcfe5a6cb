"""mTLS between the broker's client and the nodes (issue 10), with real gRPC servers on port 0.

The attack of the issue is a forged clean answer: someone answering on Beijing's address with a well-formed
"no records" summary for 110000. Each test starts such a *forger* (or a genuine node) with some credentials and
shows what the broker's client makes of it: never ``answered``; ``refused`` with a reason when the peer is not
who it must be; ``unavailable`` only when nothing answers at all. Plaintext only when asked for, on both sides.
The node's side (who may ask it) is in test_server_tls.py.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from adapters.answer_verify import AnswerVerifier
from adapters.client import AdapterClient, RegionQuery
from adapters.convert import SERVICE_NAME
from adapters.errors import RegionFailure, RegionUnavailable
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, create_server
from adapters.server_tls import server_credentials
from adapters.store import SqlRecordStore
from adapters.tls_material import TlsMaterial
from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import encode_document
from merge.answers import RegionStatus
from merge.domains import DEFAULT_COVERAGE
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region
from protos.credit.v2 import adapter_pb2
from tests.adapters.test_server import TODAY, USCC, penalty
from tests.adapters.tls import answer_signer, broker_tls, node_tls, raw_tls

BEIJING_QUERY = RegionQuery(
    Subject(SubjectKind.ENTERPRISE, USCC), Edition.STANDARD, TODAY - timedelta(days=1095), TODAY, "req-mtls"
)
Forger = Callable[[TlsMaterial | None], Awaitable[str]]


def _clean_beijing_answer(pki: PkiLayout) -> adapter_pb2.Answer:
    """What a forger sends: a perfectly formed "Beijing has no records" (the issue's forged clean certificate),
    even signed with Beijing's answer key: here only the TLS identity of who sends it is on trial."""
    context = AnswerContext(
        Region.BEIJING.code, BEIJING_QUERY.request_id, "", Edition.STANDARD, BEIJING_QUERY.window_from,
        BEIJING_QUERY.window_to, datetime.now(UTC), DEFAULT_COVERAGE[Region.BEIJING],
    )  # fmt: skip
    data = encode_document(build_document(context, answer_subject(SubjectKind.ENTERPRISE, USCC), []))
    signed = answer_signer(pki, Region.BEIJING).sign(data)
    signature = adapter_pb2.AnswerSignature(
        scheme=signed.scheme, signature=signed.signature, certificate=signed.certificate
    )
    return adapter_pb2.Answer(document=data, signature=signature)


@pytest.fixture
async def forger(pki: PkiLayout) -> AsyncIterator[Forger]:
    """``await forger(material)`` → address of a peer sending the forged answer over TLS with ``material``
    (trusting the federation CA for client certificates), or over plaintext with ``None``."""
    servers: list[grpc.aio.Server] = []

    async def forged_answer(
        request: adapter_pb2.QueryRecordsRequest, context: grpc.aio.ServicerContext[object, object]
    ) -> adapter_pb2.Answer:
        return _clean_beijing_answer(pki)

    async def start(material: TlsMaterial | None) -> str:
        server = grpc.aio.server()
        handler = grpc.unary_unary_rpc_method_handler(
            forged_answer,
            request_deserializer=adapter_pb2.QueryRecordsRequest.FromString,
            response_serializer=adapter_pb2.Answer.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE_NAME, {"QueryRecords": handler}),)
        )
        if material is None:
            port = server.add_insecure_port("127.0.0.1:0")
        else:
            port = server.add_secure_port("127.0.0.1:0", server_credentials(material))
        await server.start()
        servers.append(server)
        return f"127.0.0.1:{port}"

    yield start
    for server in servers:
        await server.stop(None)


@pytest.fixture
async def broker_client(pki: PkiLayout) -> AsyncIterator[Callable[[str], AdapterClient]]:
    """The broker's client for Beijing at a given address, with the broker's genuine certificate."""
    made: list[AdapterClient] = []

    def make(target: str) -> AdapterClient:
        made.append(AdapterClient(Region.BEIJING, target, tls=broker_tls(pki)))
        return made[-1]

    yield make
    for client in made:
        await client.close()


async def _beijing_status(client: AdapterClient) -> tuple[RegionStatus, str]:
    """The status and reason the report would carry for Beijing."""
    return await _beijing_status_of(client, BEIJING_QUERY)


async def _beijing_status_of(client: AdapterClient, query: RegionQuery) -> tuple[RegionStatus, str]:
    try:
        answer = await client.fetch(query, timeout=5)
    except RegionFailure as exc:
        return exc.to_answer().status, exc.reason
    return answer.status, ""


async def test_the_forged_answer_is_accepted_from_the_genuine_certificate(
    forger: Forger, broker_client: Callable[[str], AdapterClient], pki: PkiLayout
) -> None:
    # Control: the forger's answer itself is well formed; only who sends it decides.
    target = await forger(node_tls(pki, Region.BEIJING))
    assert await _beijing_status(broker_client(target)) == (RegionStatus.ANSWERED, "")


async def test_a_valid_certificate_of_another_region_is_refused(
    forger: Forger, broker_client: Callable[[str], AdapterClient], pki: PkiLayout
) -> None:
    target = await forger(node_tls(pki, Region.TIANJIN))  # Tianjin's genuine certificate on "Beijing's" address
    status, reason = await _beijing_status(broker_client(target))
    assert status is RegionStatus.REFUSED
    assert reason == "TLS identity: certificate names region 120000, expected 110000"


async def test_a_certificate_from_another_ca_is_refused(
    forger: Forger, broker_client: Callable[[str], AdapterClient], foreign_pki: PkiLayout
) -> None:
    # Every name right (urn:jjj:region:110000, region-110000.jjj.internal), but not issued by our CA.
    target = await forger(node_tls(foreign_pki, Region.BEIJING))
    status, reason = await _beijing_status(broker_client(target))
    assert status is RegionStatus.REFUSED
    assert reason.startswith("TLS identity: certificate not issued by the federation CA")


async def test_a_plaintext_node_is_refused(forger: Forger, broker_client: Callable[[str], AdapterClient]) -> None:
    status, reason = await _beijing_status(broker_client(await forger(None)))
    assert status is RegionStatus.REFUSED
    assert reason.startswith("TLS identity: no TLS on this address")


async def test_the_brokers_certificate_as_a_server_certificate_is_refused(
    forger: Forger, broker_client: Callable[[str], AdapterClient], pki: PkiLayout
) -> None:
    # Whoever stole the broker's key still cannot pose as a node: its certificate is for clients only.
    target = await forger(raw_tls(str(pki.broker_cert), str(pki.broker_key), str(pki.ca_cert)))
    status, reason = await _beijing_status(broker_client(target))
    assert (status, reason) == (RegionStatus.REFUSED, "TLS identity: certificate is not a TLS server certificate")


async def test_a_node_that_does_not_accept_the_brokers_certificate_is_refused(
    broker_client: Callable[[str], AdapterClient], pki: PkiLayout, foreign_pki: PkiLayout
) -> None:
    # A genuine Beijing certificate, but the node trusts another CA for clients: it never hears the query.
    material = node_tls(pki, Region.BEIJING)
    credentials = grpc.ssl_server_credentials(
        [(material.private_key, material.cert_chain)], foreign_pki.ca_cert.read_bytes(), require_client_auth=True
    )
    server = grpc.aio.server()
    port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    try:
        status, reason = await _beijing_status(broker_client(f"127.0.0.1:{port}"))
    finally:
        await server.stop(None)
    assert (status, reason) == (RegionStatus.REFUSED, "TLS identity: node did not accept the broker's certificate")


async def test_nothing_listening_is_unavailable_not_refused(broker_client: Callable[[str], AdapterClient]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    client = broker_client(f"127.0.0.1:{free}")
    with pytest.raises(RegionUnavailable):
        await client.fetch(BEIJING_QUERY, timeout=5)
    assert await client.health(timeout=2) == "UNREACHABLE"


async def test_health_says_refused_for_an_impostor(
    forger: Forger, broker_client: Callable[[str], AdapterClient], pki: PkiLayout
) -> None:
    client = broker_client(await forger(node_tls(pki, Region.TIANJIN)))
    assert await client.health(timeout=2) == "REFUSED"


# ---- plaintext only when asked ----------------------------------------------------------------------------


async def test_neither_server_nor_client_falls_back_to_plaintext(
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]],
) -> None:
    store = await sqlite_store_factory(Region.TIANJIN)
    with pytest.raises(ValueError, match="insecure=True"):
        await create_server("127.0.0.1:0", store, NodeConfig(Region.TIANJIN))
    with pytest.raises(ValueError, match="insecure=True"):
        AdapterClient(Region.TIANJIN, "127.0.0.1:1")


async def test_plaintext_when_asked_explicitly_works_and_warns(
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]],
    caplog: pytest.LogCaptureFixture,
    pki: PkiLayout,
) -> None:
    # Answers are signed whatever the transport: over plaintext the client still checks them against the CA.
    store = await sqlite_store_factory(Region.TIANJIN)
    await store.add_records([penalty(1)])
    config = NodeConfig(Region.TIANJIN)
    server, port = await create_server("127.0.0.1:0", store, config, insecure=True, signer=answer_signer(pki))
    answers = AnswerVerifier.from_pem(pki.ca_cert.read_bytes())
    client = AdapterClient(Region.TIANJIN, f"127.0.0.1:{port}", insecure=True, answers=answers)
    try:
        tianjin_query = RegionQuery(BEIJING_QUERY.subject, Edition.STANDARD, TODAY - timedelta(days=1095), TODAY, "r")
        assert (await client.fetch(tianjin_query, timeout=5)).record_count == 1
    finally:
        await client.close()
        await server.stop(None)
    assert "INSECURE, serving PLAINTEXT" in caplog.text
    assert "INSECURE, plaintext gRPC" in caplog.text


async def test_unsigned_answers_or_no_ca_are_never_an_answer(
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]], pki: PkiLayout
) -> None:
    store = await sqlite_store_factory(Region.TIANJIN)
    await store.add_records([penalty(1)])
    unsigned, port = await create_server("127.0.0.1:0", store, NodeConfig(Region.TIANJIN), insecure=True)
    signed, signed_port = await create_server(
        "127.0.0.1:0", store, NodeConfig(Region.TIANJIN), insecure=True, signer=answer_signer(pki)
    )
    answers = AnswerVerifier.from_pem(pki.ca_cert.read_bytes())
    checking = AdapterClient(Region.TIANJIN, f"127.0.0.1:{port}", insecure=True, answers=answers)
    without_ca = AdapterClient(Region.TIANJIN, f"127.0.0.1:{signed_port}", insecure=True)
    query = RegionQuery(BEIJING_QUERY.subject, Edition.STANDARD, TODAY - timedelta(days=1095), TODAY, "r")
    try:
        assert await _beijing_status_of(checking, query) == (
            RegionStatus.REFUSED,
            "answer not authenticated: the answer is not signed",
        )
        status, reason = await _beijing_status_of(without_ca, query)
        assert status is RegionStatus.REFUSED
        assert "no federation CA" in reason
    finally:
        await checking.close()
        await without_ca.close()
        await unsigned.stop(None)
        await signed.stop(None)
