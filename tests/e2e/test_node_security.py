"""Real node processes (``python -m adapters serve``) with certificates, attacked as in issue 10.

Each node is its own process, started the way an operator starts one (``--tls-dir``, ``--broker-jwks``,
``--broker-issuer``), on a fixed port; the broker's side is :class:`adapters.client.AdapterClient` with the broker's
certificate. Shown: an answer needs the right region's certificate from our CA (else ``refused``, never clean);
plaintext clients and other nodes' certificates cannot query; a second process cannot bind the node's port; a
warrant signed by the broker's key for another issuer is refused. Nothing here imports the broker.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from adapters.answer_verify import AnswerVerifier
from adapters.client import AdapterClient, RegionQuery
from adapters.errors import RegionFailure
from adapters.identity import region_dns
from adapters.pki import PkiLayout, ensure_dev_pki
from adapters.store import SqlRecordStore
from consent.warrants import issue_warrant, new_jti
from merge.answers import RegionAnswer, RegionStatus
from merge.editions import Edition
from merge.regions import Region
from tests.adapters.test_server import _query_call, penalty, query
from tests.adapters.test_warrant_check import BROKER, ENTERPRISE, WINDOW_FROM, WINDOW_TO, write_jwks
from tests.adapters.tls import broker_tls, channel, raw_tls
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

ISSUER = "https://broker.e2e.test"
_STARTUP_S = 60.0


class Node:
    """One ``python -m adapters serve`` child; stopped by its own pid (TERM, then KILL)."""

    def __init__(self, argv: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class Site:
    """A node's database, the broker's JWKS, a PKI; starts nodes and stops them all at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pki = ensure_dev_pki(directory / "certs")
        self.jwks = write_jwks(directory / "jwks.json", BROKER)
        self.db = f"sqlite+aiosqlite:///{directory / 'tianjin.db'}"
        self.nodes: list[Node] = []

    def serve_argv(
        self, port: int, *flags: str, region: str = "tianjin", pki: PkiLayout | None = None, tls_dir: bool = True
    ) -> list[str]:
        """The command line of a node; ``--tls-dir`` of ``pki`` unless ``--insecure`` or ``tls_dir=False``."""
        tls = ["--tls-dir", str((pki or self.pki).directory)] if tls_dir and "--insecure" not in flags else []
        return [sys.executable, "-m", "adapters", "serve", "--region", region, "--db", self.db, "--port", str(port),
                "--broker-jwks", self.jwks, "--broker-issuer", ISSUER, *tls, *flags]  # fmt: skip

    def start(self, port: int, *flags: str, pki: PkiLayout | None = None) -> Node:
        node = Node(self.serve_argv(port, *flags, pki=pki), self.directory / f"node-{len(self.nodes)}.log")
        self.nodes.append(node)
        return node


def _wait_listening(node: Node, port: int, pki: PkiLayout) -> None:
    """Until a TLS connection with ``pki``'s broker certificate (the one the node trusts) is ready."""
    material = broker_tls(pki)
    credentials = grpc.ssl_channel_credentials(material.root_ca, material.private_key, material.cert_chain)
    options = [("grpc.ssl_target_name_override", region_dns(Region.TIANJIN))]
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        assert node.process.poll() is None, f"node exited early:\n{node.output()}"
        with grpc.secure_channel(f"127.0.0.1:{port}", credentials, options=options) as ch:
            try:
                grpc.channel_ready_future(ch).result(timeout=1)
                return
            except grpc.FutureTimeoutError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"node not listening within {_STARTUP_S:.0f} s:\n{node.output()}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = Site(tmp_path_factory.mktemp("node-security"))

    async def seed() -> None:
        store = await SqlRecordStore.open(made.db, Region.TIANJIN)
        await store.add_records([penalty(1)])
        await store.close()

    asyncio.run(seed())
    yield made
    for node in made.nodes:
        node.stop()


@pytest.fixture(scope="module")
def tianjin(site: Site) -> int:
    """The port of Tianjin's genuine node, serving mTLS with its own certificate."""
    port = free_port()
    _wait_listening(site.start(port), port, site.pki)
    return port


def warrant(**changes: object) -> tuple[bytes, str]:
    """A warrant and its ``jti`` (which the node's signed answer must name)."""
    jti = new_jti()
    values: dict[str, object] = {
        "issuer": ISSUER, "region_code": "120000", "subject": ENTERPRISE, "grant_id": "g", "grantee": "bank",
        "purpose": "loan", "edition": Edition.STANDARD, "window_from": WINDOW_FROM, "window_to": WINDOW_TO,
        "now": datetime.now(UTC), "jti": jti,
    } | changes  # fmt: skip
    return issue_warrant(BROKER, **values).encode(), jti  # type: ignore[arg-type]


async def ask(site: Site, port: int, region: Region = Region.TIANJIN, **warrant_changes: object) -> tuple[str, str]:
    """What the broker would report for ``region`` asked at ``port``: (status, reason). The query is in the
    warrant's edition (``edition=``, standard by default)."""
    client = AdapterClient(region, f"127.0.0.1:{port}", tls=broker_tls(site.pki))
    token, jti = warrant(**warrant_changes)
    edition = warrant_changes.get("edition", Edition.STANDARD)
    assert isinstance(edition, Edition)
    # An edition with department confirmation is asked under a reserved report number, as the broker asks it.
    ref = "JJJ-20261203-000001" if edition.spec.department_confirmation else ""
    request = RegionQuery(ENTERPRISE, edition, WINDOW_FROM, WINDOW_TO, "req-e2e", token, jti, confirmation_ref=ref)
    try:
        answer = await client.fetch(request, timeout=10)
    except RegionFailure as exc:
        return exc.status.value, exc.reason
    finally:
        await client.close()
    return answer.status.value, f"{answer.record_count} records"


async def test_the_broker_gets_tianjins_answer(site: Site, tianjin: int) -> None:
    assert await ask(site, tianjin) == (RegionStatus.ANSWERED.value, "1 records")  # control for what follows


async def test_a_node_with_a_certificate_for_another_region_is_refused(site: Site, tianjin: int) -> None:
    # Tianjin's genuine node answering where the broker expects Beijing: refused, never Beijing's clean answer.
    status, reason = await ask(site, tianjin, Region.BEIJING, region_code="110000")
    assert (status, reason) == ("refused", "TLS identity: certificate names region 120000, expected 110000")


def test_a_node_does_not_even_start_with_another_regions_certificate(site: Site) -> None:
    pki = site.pki
    files = ("--tls-cert", str(pki.node_cert(Region.TIANJIN)), "--tls-key", str(pki.node_key(Region.TIANJIN)),
             "--tls-ca", str(pki.ca_cert))  # fmt: skip
    argv = site.serve_argv(free_port(), *files, region="beijing", tls_dir=False)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "certificate names region 120000, expected 110000 (this node serves beijing)" in done.stderr


@pytest.mark.parametrize("caller", ["plaintext", "beijing-node-certificate"])
async def test_callers_other_than_the_broker_cannot_query_a_node(site: Site, tianjin: int, caller: str) -> None:
    # A plaintext client, and Beijing's node certificate (our CA, but for servers only): no handshake, no query.
    pki = site.pki
    beijing = raw_tls(str(pki.node_cert(Region.BEIJING)), str(pki.node_key(Region.BEIJING)), str(pki.ca_cert))
    to_node = channel(f"127.0.0.1:{tianjin}", None if caller == "plaintext" else beijing)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _query_call(to_node)(query(warrant=warrant()[0]), timeout=5)
    await to_node.close(None)
    assert caught.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_a_second_listener_cannot_bind_a_nodes_port(site: Site, tianjin: int) -> None:
    # The attack of the issue: a second process on Beijing's port taking half the connections. Now it cannot bind,
    # even plaintext, even asking for SO_REUSEPORT itself.
    second = site.start(tianjin, "--insecure")
    assert second.process.wait(timeout=60) == 1, second.output()
    assert "cannot listen" in second.output()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with pytest.raises(OSError, match="in use"):
            sock.bind(("127.0.0.1", tianjin))
    assert await ask(site, tianjin) == ("answered", "1 records")  # the genuine node still serves


async def test_a_node_without_a_certificate_from_the_ca_is_refused(site: Site) -> None:
    # A node with every name right (urn:jjj:region:120000, region-120000.jjj.internal) but another CA.
    foreign = ensure_dev_pki(site.directory / "foreign-certs")
    port = free_port()
    _wait_listening(site.start(port, pki=foreign), port, foreign)
    status, reason = await ask(site, port)
    assert status == "refused"
    assert reason.startswith("TLS identity: certificate not issued by the federation CA")


async def test_a_warrant_from_an_unknown_issuer_is_refused(site: Site, tianjin: int) -> None:
    # Signed with the broker's own key, which the node's JWKS holds, but issued for another broker.
    status, reason = await ask(site, tianjin, issuer="https://other-broker.test")
    assert status == "refused"
    assert reason.startswith("PERMISSION_DENIED: warrant: unexpected issuer 'https://other-broker.test'")


async def _plaintext_fetch(site: Site, *flags: str) -> tuple[Node, RegionAnswer | RegionFailure]:
    """Start a plaintext node with ``flags``, wait until it serves, and ask it once as the broker would (checking
    its answer against the federation CA); the node and the answer, or the failure the broker would record."""
    port = free_port()
    node = site.start(port, "--insecure", *flags)
    answers = AnswerVerifier.from_pem(site.pki.ca_cert.read_bytes())
    client = AdapterClient(Region.TIANJIN, f"127.0.0.1:{port}", insecure=True, answers=answers)
    token, jti = warrant()
    request = RegionQuery(ENTERPRISE, Edition.STANDARD, WINDOW_FROM, WINDOW_TO, "req-plain", token, jti)
    try:
        deadline = time.monotonic() + _STARTUP_S
        while await client.health(timeout=1) != "SERVING":
            assert node.process.poll() is None, node.output()
            assert time.monotonic() < deadline, node.output()
            await asyncio.sleep(0.2)
        try:
            return node, await client.fetch(request, timeout=10)
        except RegionFailure as exc:
            return node, exc
    finally:
        await client.close()


async def test_insecure_serves_plaintext_only_when_asked_and_warns(site: Site) -> None:
    # Plaintext transport, but the answer is still signed (--answer-dir) and checked against the federation CA.
    node, answer = await _plaintext_fetch(site, "--answer-dir", str(site.pki.directory))
    assert isinstance(answer, RegionAnswer), answer
    assert answer.record_count == 1
    assert "WARNING: node tianjin: --insecure serves PLAINTEXT gRPC" in node.output()


async def test_a_node_without_its_answer_key_is_refused(site: Site) -> None:
    # No --answer-dir (nor --tls-dir): the node starts, warns, answers unsigned, and its answers are refused.
    node, failure = await _plaintext_fetch(site)
    assert isinstance(failure, RegionFailure)
    assert failure.status is RegionStatus.REFUSED
    assert failure.reason == "answer not authenticated: the answer is not signed"
    assert "answers go UNSIGNED" in node.output()
