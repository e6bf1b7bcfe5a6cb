"""The node's side of mTLS (issue 10, :mod:`adapters.server_tls`), with a real Tianjin node on port 0: only the
broker may ask. A plaintext client, a client without a certificate, another node's certificate get no handshake;
a client certificate our CA issued that does not name the broker gets ``PERMISSION_DENIED``; and no second
listener can share the node's port.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.convert import SERVICE_NAME
from adapters.pki import LeafProfile, PkiLayout, issue_leaf
from adapters.pki_files import write_new
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from adapters.tls_material import TlsMaterial
from merge.answer_document import read_document
from merge.regions import Region
from protos.credit.v2 import adapter_pb2
from tests.adapters.test_server import _query_call, penalty, query
from tests.adapters.tls import answer_signer, broker_tls, channel, node_tls, raw_tls


@pytest.fixture
async def tianjin_node(
    sqlite_store_factory: Callable[[Region], Awaitable[SqlRecordStore]], pki: PkiLayout
) -> AsyncIterator[str]:
    store = await sqlite_store_factory(Region.TIANJIN)
    await store.add_records([penalty(1)])
    config = NodeConfig(Region.TIANJIN)
    server, port = await create_server("127.0.0.1:0", store, config, tls=node_tls(pki), signer=answer_signer(pki))
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def _query_with(target: str, material: TlsMaterial | None) -> grpc.StatusCode | int:
    """The status a caller with ``material`` (None: plaintext) gets, or the number of records it was sent."""
    to_node = channel(target, material)
    try:
        answer = await _query_call(to_node)(query(), timeout=5)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    finally:
        await to_node.close(None)
    document = read_document(answer.document)
    return document.summary.total


async def test_the_broker_can_query_the_node(tianjin_node: str, pki: PkiLayout) -> None:
    assert await _query_with(tianjin_node, broker_tls(pki)) == 1  # control for the refusals below


async def test_a_plaintext_client_cannot_query_a_node(tianjin_node: str) -> None:
    assert await _query_with(tianjin_node, None) is grpc.StatusCode.UNAVAILABLE


async def test_a_client_without_a_certificate_cannot_query_a_node(tianjin_node: str, pki: PkiLayout) -> None:
    credentials = grpc.ssl_channel_credentials(pki.ca_cert.read_bytes())
    to_node = grpc.aio.secure_channel(
        tianjin_node, credentials, options=[("grpc.ssl_target_name_override", "region-120000.jjj.internal")]
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _query_call(to_node)(query(), timeout=5)
    await to_node.close(None)
    assert caught.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_another_nodes_certificate_cannot_query_a_node(tianjin_node: str, pki: PkiLayout) -> None:
    # Beijing's node certificate is from our CA but for servers only: the handshake fails.
    beijing = raw_tls(str(pki.node_cert(Region.BEIJING)), str(pki.node_key(Region.BEIJING)), str(pki.ca_cert))
    assert await _query_with(tianjin_node, beijing) is grpc.StatusCode.UNAVAILABLE


def _client_certificate_naming_a_region(pki: PkiLayout, directory: Path) -> TlsMaterial:
    """A client certificate (clientAuth) that our CA did issue, naming Beijing instead of the broker."""
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    uris = ("urn:jjj:region:110000",)
    profile = LeafProfile("region-110000 client", "node 110000", uris, (), x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH)
    key, cert = issue_leaf(profile, ca_key, ca_cert)
    pkcs8, plain = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    write_new(directory / "client.pem", cert.public_bytes(serialization.Encoding.PEM))
    write_new(directory / "client-key.pem", key.private_bytes(serialization.Encoding.PEM, pkcs8, plain))
    return raw_tls(str(directory / "client.pem"), str(directory / "client-key.pem"), str(pki.ca_cert))


async def test_a_client_certificate_that_is_not_the_brokers_is_refused(
    tianjin_node: str, pki: PkiLayout, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # TLS accepts this certificate (our CA, clientAuth); the node's own rule refuses it: it is not the broker.
    caplog.set_level(logging.INFO, logger="adapters.server")
    impostor = _client_certificate_naming_a_region(pki, tmp_path)
    to_node = channel(tianjin_node, impostor)
    describe = to_node.unary_unary(
        f"/{SERVICE_NAME}/Describe",
        request_serializer=adapter_pb2.DescribeRequest.SerializeToString,
        response_deserializer=adapter_pb2.DescribeResponse.FromString,
    )
    try:
        with pytest.raises(grpc.aio.AioRpcError) as queried:
            await _query_call(to_node)(query(), timeout=5)
        with pytest.raises(grpc.aio.AioRpcError) as described:
            await describe(adapter_pb2.DescribeRequest(), timeout=5)
    finally:
        await to_node.close(None)
    for caught in (queried, described):
        assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
        assert caught.value.details() == "client certificate does not name the broker (URIs: urn:jjj:region:110000)"
    assert "outcome=refused count=0" in caplog.text


# ---- the port is the node's alone -------------------------------------------------------------------------


async def test_a_second_listener_cannot_bind_a_nodes_port(tianjin_node: str) -> None:
    port = int(tianjin_node.rsplit(":", 1)[1])
    second = grpc.aio.server()  # gRPC's defaults: SO_REUSEPORT on, which used to let it share the port
    with pytest.raises(RuntimeError, match="Failed to bind"):
        second.add_insecure_port(f"127.0.0.1:{port}")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with pytest.raises(OSError, match="in use"):
            sock.bind(("127.0.0.1", port))
