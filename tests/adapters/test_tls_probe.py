"""The identity probe: what it reads from real peers, and that a flood of failing requests costs one probe."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import grpc
import pytest

from adapters.pki import PkiLayout
from adapters.server_tls import server_credentials
from adapters.tls_probe import IdentityProbe, probe_context, split_target
from merge.regions import Region
from tests.adapters.tls import broker_tls, node_tls


@pytest.mark.parametrize(
    ("target", "expected"),
    [("127.0.0.1:50051", ("127.0.0.1", 50051)), ("[::1]:7", ("::1", 7)), ("dns:///node.tj:443", ("node.tj", 443))],
)
def test_targets_are_split(target: str, expected: tuple[str, int]) -> None:
    assert split_target(target) == expected


@pytest.mark.parametrize("target", ["localhost", "host:", ":50051", "host:port"])
def test_a_target_without_port_is_an_error(target: str) -> None:
    with pytest.raises(ValueError, match="expected host:port"):
        split_target(target)


@pytest.fixture
async def tianjin_listener(pki: PkiLayout) -> AsyncIterator[str]:
    """A TLS listener with Tianjin's genuine certificate (no services: the probe needs only the handshake)."""
    server = grpc.aio.server()
    port = server.add_secure_port("127.0.0.1:0", server_credentials(node_tls(pki, Region.TIANJIN)))
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_genuine_node_passes_and_another_region_does_not(tianjin_listener: str, pki: PkiLayout) -> None:
    context = probe_context(broker_tls(pki))
    assert await IdentityProbe(Region.TIANJIN, tianjin_listener, context).reason(timeout=2) is None
    reason = await IdentityProbe(Region.HEBEI, tianjin_listener, context).reason(timeout=2)
    assert reason == "certificate names region 120000, expected 130000"


async def test_verdicts_are_cached_and_shared(tianjin_listener: str, pki: PkiLayout) -> None:
    clock = Clock()
    probe = IdentityProbe(Region.BEIJING, tianjin_listener, probe_context(broker_tls(pki)), cache_s=5, clock=clock)
    reasons = await asyncio.gather(*(probe.reason(timeout=2) for _ in range(50)))
    assert set(reasons) == {"certificate names region 120000, expected 110000"}
    assert probe.probes == 1  # fifty failing requests at once: one handshake
    clock.now += 4.9
    await probe.reason(timeout=2)
    assert probe.probes == 1
    clock.now += 0.2
    await probe.reason(timeout=2)
    assert probe.probes == 2  # the cache expired: the next failure probes again


async def test_a_closed_port_is_not_an_identity_problem(pki: PkiLayout) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    probe = IdentityProbe(Region.BEIJING, f"127.0.0.1:{port}", probe_context(broker_tls(pki)))
    assert await probe.reason(timeout=1) is None
