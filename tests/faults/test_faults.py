"""The fault suite (issue 11): one region's node misbehaves in each way a link or a process can, against real
processes (three ``python -m adapters serve`` nodes over mTLS, one ``python -m broker serve``, Redis).

Every case: the region is marked (``unavailable`` / ``timed_out`` / ``refused``), no report is ever complete
without it (the reporter checks invariant 1 on every report: complete only when all answered, a signed part
exactly where a region answered), and no request fails. The figures — report latency p50/p99 before and after
the breaker opens, recovery time once the node is back — are printed (``pytest -s``) and written to
var/test-artifacts/faults.json. Speed is measured, not asserted, with one exception in the slow cases: once the
breaker is open a report must not wait for the frozen region, checked with a bound of half the deadline — far
above the ~tens of ms it takes, far below the deadline it would otherwise cost, so a loaded machine cannot make it
flaky and a missing breaker cannot pass it.

A node answering for another region is the identity suite's: tests/e2e/test_node_security.py
(``test_a_node_with_another_regions_certificate_is_refused`` and the signed-answer checks) and
tests/adapters/test_client.py (another region's signing key); not repeated here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from merge.regions import REGION_ORDER, Region
from tests.conftest import free_port
from tests.e2e.test_replicas import ISSUER, Processes
from tests.e2e.test_sentinel_failover import _sign_in
from tests.faults.federation import Federation, Reporter, Timed, add_account, percentiles, write_figures

pytestmark = pytest.mark.e2e

DEADLINE_S = 2.0
COOLDOWN_S = 2.0
HEBEI = Region.HEBEI.code
BROKER_ENV = {
    "JJJ_REQUEST_DEADLINE_S": str(DEADLINE_S),
    "JJJ_BREAKER_FAILURES": "3",
    "JJJ_BREAKER_COOLDOWN_S": str(COOLDOWN_S),
}


class Site:
    def __init__(self, federation: Federation, reporter: Reporter, base: str) -> None:
        self.federation, self.reporter, self.base = federation, reporter, base


@contextlib.asynccontextmanager
async def site(tmp_path: Path, processes: Processes, hebei_target: str | None = None, **latency: float
               ) -> AsyncIterator[Site]:  # fmt: skip
    federation = Federation(tmp_path, processes, f"jjjtest:{uuid.uuid4().hex[:10]}:")
    targets = {
        region: f"127.0.0.1:{federation.node(region.value, region, latency_ms=latency.get(region.value, 0.0))}"
        for region in REGION_ORDER
        if not (region is Region.HEBEI and hebei_target)
    }
    if hebei_target:
        targets[Region.HEBEI] = hebei_target
    for name in list(federation.nodes):
        federation.wait_listening(name)
    base = await federation.broker(targets, **BROKER_ENV)
    subject = await add_account(federation)
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        timeout=aiohttp.ClientTimeout(total=30),
        connector=aiohttp.TCPConnector(limit=0),
    ) as session:
        yield Site(federation, Reporter(session, base, await _sign_in(session, base, subject), subject), base)


def _never_answered(outcomes: list[Timed]) -> None:
    assert outcomes
    assert all(o.status == 200 for o in outcomes), [o for o in outcomes if o.status != 200][:3]
    assert all(o.regions[HEBEI] != "answered" for o in outcomes), [
        o for o in outcomes if o.regions[HEBEI] == "answered"
    ]


def _split(outcomes: list[Timed]) -> dict[str, object]:
    before = [o.seconds for o in outcomes if not o.circuit_open(HEBEI)]
    after = [o.seconds for o in outcomes if o.circuit_open(HEBEI)]
    statuses = sorted({o.regions[HEBEI] for o in outcomes})
    return {"hebei_status": statuses, "before_breaker": percentiles(before), "breaker_open": percentiles(after)}


async def _recovery(reporter: Reporter, since: float, limit_s: float = 30.0) -> float:
    """Seconds from ``since`` until a report has Hebei answered again."""
    while time.monotonic() - since < limit_s:
        outcome = await reporter.report()
        if outcome.regions.get(HEBEI) == "answered":
            return round(time.monotonic() - since, 2)
        await asyncio.sleep(0.1)
    raise AssertionError(f"Hebei did not answer again within {limit_s:.0f} s")


async def test_a_stopped_node_is_marked_unavailable(
    tmp_path: Path, processes: Processes, capsys: pytest.CaptureFixture[str]
) -> None:
    async with site(tmp_path, processes) as s:
        assert (await s.reporter.report()).regions[HEBEI] == "answered"
        s.federation.signal("hebei", signal.SIGTERM)
        s.federation.nodes["hebei"].wait(timeout=15)
        outcomes = await s.reporter.for_(4.0, clients=2)
    _never_answered(outcomes)
    assert {o.regions[HEBEI] for o in outcomes} == {"unavailable"}
    with capsys.disabled():
        write_figures("stopped", _split(outcomes))


class Garbage:
    """A TCP peer on the node's address that answers every connection with bytes that are no TLS and no gRPC."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with contextlib.suppress(OSError):
                conn.sendall(os.urandom(512) + b"HTTP/1.1 200 OK\r\n\r\nnot a credit answer")
                conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def garbage() -> Iterator[Garbage]:
    peer = Garbage()
    yield peer
    peer.close()


async def test_a_node_answering_garbage_is_refused_never_clean(
    tmp_path: Path, processes: Processes, garbage: Garbage, capsys: pytest.CaptureFixture[str]
) -> None:
    async with site(tmp_path, processes, hebei_target=f"127.0.0.1:{garbage.port}") as s:
        outcomes = await s.reporter.for_(3.0, clients=2)
    _never_answered(outcomes)
    # The identity probe finds no TLS there: refused (a peer that is not the node), not merely down.
    assert {o.regions[HEBEI] for o in outcomes} == {"refused"}, {o.regions[HEBEI] for o in outcomes}
    assert all("TLS identity" in o.errors[HEBEI] for o in outcomes)
    with capsys.disabled():
        write_figures("garbage", _split(outcomes))


@pytest.mark.slow
async def test_a_node_killed_mid_stream_is_marked_and_the_breaker_answers_at_once(
    tmp_path: Path, processes: Processes, capsys: pytest.CaptureFixture[str]
) -> None:
    async with site(tmp_path, processes, hebei=800.0) as s:
        in_flight = [asyncio.create_task(s.reporter.report()) for _ in range(4)]
        await asyncio.sleep(0.4)  # the calls are on the node, its answer not yet sent
        s.federation.signal("hebei", signal.SIGKILL)
        killed = await asyncio.gather(*in_flight)
        outcomes = await s.reporter.for_(4.0, clients=2)
    _never_answered([*killed, *outcomes])
    figures = {"killed_in_flight": sorted({o.regions[HEBEI] for o in killed}), **_split(outcomes)}
    with capsys.disabled():
        write_figures("killed_mid_stream", figures)
    _breaker_answers_at_once(outcomes)


def _breaker_answers_at_once(outcomes: list[Timed]) -> None:
    opened = [o.seconds for o in outcomes if o.circuit_open(HEBEI)]
    assert opened, "the breaker never opened"
    assert max(opened) < DEADLINE_S / 2, opened


@pytest.mark.slow
async def test_a_frozen_node_opens_the_breaker_and_recovery_is_noticed_after_sigcont(
    tmp_path: Path, processes: Processes, capsys: pytest.CaptureFixture[str]
) -> None:
    async with site(tmp_path, processes) as s:
        baseline = await s.reporter.for_(2.0, clients=2)
        s.federation.signal("hebei", signal.SIGSTOP)
        try:
            outcomes = await s.reporter.for_(8.0, clients=4)
        finally:
            s.federation.signal("hebei", signal.SIGCONT)
        resumed = time.monotonic()
        recovery = await _recovery(s.reporter, resumed)
    _never_answered(outcomes)
    assert {o.regions[HEBEI] for o in outcomes} <= {"timed_out", "unavailable"}
    figures = {"baseline": percentiles([o.seconds for o in baseline]), **_split(outcomes), "recovery_s": recovery}
    with capsys.disabled():
        write_figures("frozen", figures)
    _breaker_answers_at_once(outcomes)


@pytest.mark.slow
async def test_a_node_slower_than_the_deadline_times_out_then_is_answered_at_once(
    tmp_path: Path, processes: Processes, capsys: pytest.CaptureFixture[str]
) -> None:
    async with site(tmp_path, processes, hebei=DEADLINE_S * 1000 * 1.5) as s:
        outcomes = await s.reporter.for_(8.0, clients=4)
    _never_answered(outcomes)
    assert "timed_out" in {o.regions[HEBEI] for o in outcomes}
    with capsys.disabled():
        write_figures("slower_than_deadline", _split(outcomes))
    _breaker_answers_at_once(outcomes)


class Namespace:
    """A network namespace holding one node, joined to the host by a veth pair; ``blackhole`` drops everything the
    node sends (a ``blackhole`` route to the host inside the namespace), as a dead link or a firewall's DROP would:
    no reset, no ICMP, no answer."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.name, self.host_if, self.ns_if = f"jjj{tag}", f"jjh{tag}", f"jjn{tag}"
        self.host_ip, self.node_ip = "10.203.77.1", "10.203.77.2"

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)

    def create(self) -> None:
        self._ip("netns", "add", self.name)
        self._ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        self._ip("link", "set", self.ns_if, "netns", self.name)
        self._ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
        self._ip("link", "set", self.host_if, "up")
        self._ip("netns", "exec", self.name, "ip", "addr", "add", f"{self.node_ip}/30", "dev", self.ns_if)
        self._ip("netns", "exec", self.name, "ip", "link", "set", self.ns_if, "up")
        self._ip("netns", "exec", self.name, "ip", "link", "set", "lo", "up")

    def blackhole(self, on: bool) -> None:
        verb = "add" if on else "del"
        self._ip("netns", "exec", self.name, "ip", "route", verb, "blackhole", f"{self.host_ip}/32")

    def delete(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._ip("link", "delete", self.host_if)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._ip("netns", "delete", self.name)


@pytest.fixture
def namespace() -> Iterator[Namespace | str]:
    """A namespace, or the reason this machine cannot make one (printed by the test, which then skips)."""
    made = Namespace()
    try:
        made.create()
        made.blackhole(True)
        made.blackhole(False)
    except (subprocess.SubprocessError, OSError) as exc:
        made.delete()
        stderr = getattr(exc, "stderr", b"") or b""
        yield f"cannot create a network namespace with a veth pair here: {exc} {stderr.decode(errors='replace')}"
        return
    yield made
    made.delete()


@pytest.mark.slow
async def test_a_blackholed_node_is_marked_and_the_breaker_answers_at_once(
    tmp_path: Path, processes: Processes, namespace: Namespace | str, capsys: pytest.CaptureFixture[str]
) -> None:
    if isinstance(namespace, str):
        with capsys.disabled():
            print(f"\n[faults] blackhole: NOT RUN: {namespace}")
        pytest.skip(namespace)  # the one permitted skip (issue 11): the machine does not allow it
    federation_port = free_port()
    target = f"{namespace.node_ip}:{federation_port}"
    async with site(tmp_path, processes, hebei_target=target) as s:
        fed = s.federation
        fed.nodes["hebei"] = processes.start("hebei", [
            "ip", "netns", "exec", namespace.name, sys.executable, "-m", "adapters", "serve", "--region", "hebei",
            "--db", fed.db["hebei"], "--host", namespace.node_ip, "--port", str(federation_port),
            "--broker-jwks", str(fed.tmp / "broker-jwks.json"), "--broker-issuer", ISSUER,
            "--tls-dir", str(fed.pki.directory),
        ])  # fmt: skip
        fed.wait_listening("hebei")
        until = time.monotonic() + 30
        while (await s.reporter.report()).regions[HEBEI] != "answered":
            assert time.monotonic() < until, processes.log("hebei")
            await asyncio.sleep(0.5)
        namespace.blackhole(True)
        try:
            outcomes = await s.reporter.for_(8.0, clients=4)
        finally:
            namespace.blackhole(False)
        recovery = await _recovery(s.reporter, time.monotonic())
    _never_answered(outcomes)
    with capsys.disabled():
        write_figures("blackholed", {**_split(outcomes), "recovery_s": recovery})
    _breaker_answers_at_once(outcomes)
