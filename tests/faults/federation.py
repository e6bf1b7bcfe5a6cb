"""A federation of real processes for the fault suite: three seeded nodes (``python -m adapters serve`` over mTLS,
checking warrants), one ``python -m broker serve``, a signed-in subject; and the figures the suite prints.

Reuses the e2e helpers (:mod:`tests.e2e.test_replicas`: the process set, seeding, the health wait; the Sentinel
test's sign-in). Nodes are started by the test so it can freeze (SIGSTOP), kill (SIGKILL) or replace one; every
child is ended by its own pid at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.pki import PkiLayout, ensure_dev_pki
from adapters.seed import demo_subjects
from broker.keys import init_keys
from merge.regions import REGION_ORDER, Region
from tests.conftest import REDIS_URL, free_port
from tests.e2e.test_replicas import ISSUER, PASSWORD, SEED, Processes, _seed

SUBJECT_KEY_SECRET = "jjj-faults-subject-key-0123456789abcdef012345"
ARTIFACTS = Path("var/test-artifacts")
#: The Redis prefixes of the federations made during the current test; the suite's fixture deletes their keys.
PREFIXES: list[str] = []


@dataclass
class Federation:
    tmp: Path
    processes: Processes
    prefix: str
    pki: PkiLayout = field(init=False)
    db: dict[str, str] = field(init=False)
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        PREFIXES.append(self.prefix)
        ring = init_keys(self.tmp / "keys")
        (self.tmp / "broker-jwks.json").write_text(json.dumps(ring.public_jwks()))
        self.db = _seed(self.tmp, self.processes)
        self.pki = ensure_dev_pki(self.tmp / "certs")

    def node(self, name: str, region: Region, *, port: int | None = None, db: str | None = None,
             latency_ms: float = 0.0) -> int:  # fmt: skip
        """Start a node process called ``name`` for ``region`` (its seeded SQLite file unless ``db``)."""
        port = port or free_port()
        self.nodes[name] = self.processes.start(name, [
            sys.executable, "-m", "adapters", "serve", "--region", region.value, "--db", db or self.db[region.value],
            "--host", "127.0.0.1", "--port", str(port), "--latency-ms", str(latency_ms),
            "--broker-jwks", str(self.tmp / "broker-jwks.json"), "--broker-issuer", ISSUER,
            "--tls-dir", str(self.pki.directory),
        ])  # fmt: skip
        self.ports[name] = port
        return port

    def wait_listening(self, name: str, timeout_s: float = 60.0) -> None:
        """Until node ``name`` logs that it listens (it has opened its database and bound its port)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.nodes[name].poll() is None, f"{name} exited early:\n{self.processes.log(name)}"
            if "listening on" in (self.processes.logs / f"{name}.log").read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise AssertionError(f"{name} not listening within {timeout_s:.0f} s:\n{self.processes.log(name)}")

    def signal(self, name: str, signum: signal.Signals) -> None:
        os.kill(self.nodes[name].pid, signum)

    async def broker(self, targets: dict[Region, str], **env: str) -> str:
        """Start the broker for these node targets and wait until it is healthy; its base URL."""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = dict(
            os.environ, JJJ_REDIS_URL=REDIS_URL, JJJ_REDIS_PREFIX=self.prefix, JJJ_KEYS_DIR=str(self.tmp / "keys"),
            JJJ_OAUTH_ISSUER=ISSUER, JJJ_WARRANT_ISSUER=ISSUER, JJJ_SUBJECT_KEY_SECRET=SUBJECT_KEY_SECRET,
            JJJ_PDF_PREWARM="0", JJJ_TLS_CERT=str(self.pki.broker_cert), JJJ_TLS_KEY=str(self.pki.broker_key),
            JJJ_TLS_CA=str(self.pki.ca_cert), JJJ_HOST="127.0.0.1", JJJ_PORT=str(port), JJJ_PUBLIC_BASE_URL=base,
            **{f"JJJ_NODE_{region.name}": target for region, target in targets.items()}, **env,
        )  # fmt: skip
        process = self.processes.start("broker", [sys.executable, "-m", "broker", "serve"], settings)
        self.nodes["broker"] = process
        # Ready, not "healthy": /healthz says degraded while a region is down, which some cases start with.
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert process.poll() is None, f"broker exited early:\n{self.processes.log('broker')}"
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(base + "/healthz/ready", timeout=aiohttp.ClientTimeout(total=2)) as answer:
                        if answer.status == 200:
                            return base
                await asyncio.sleep(0.3)
        raise AssertionError(f"broker not ready within 60 s:\n{self.processes.log('broker')}")

    def all_nodes(self, **latency: float) -> dict[Region, str]:
        """One node per region; their targets."""
        return {
            region: f"127.0.0.1:{self.node(region.value, region, latency_ms=latency.get(region.value, 0.0))}"
            for region in REGION_ORDER
        }


def enterprise() -> str:
    return next(s for s in demo_subjects(SEED) if s.kind.value == "enterprise").identifier


async def add_account(federation: Federation) -> str:
    """The seeded enterprise's account in the broker's Redis; its identifier."""
    import redis.asyncio as aioredis

    from consent.accounts import AccountStore
    from merge.identifiers import parse_subject

    subject = enterprise()
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        await AccountStore(redis, federation.prefix, SUBJECT_KEY_SECRET.encode()).add(
            parse_subject(subject), "示例企业", PASSWORD
        )
    finally:
        await redis.aclose()
    return subject


@dataclass
class Timed:
    at: float
    seconds: float
    status: int
    regions: dict[str, str]  # region code -> status ({} when no report came back)
    errors: dict[str, str] = field(default_factory=dict)  # region code -> why it did not answer

    def circuit_open(self, code: str) -> bool:
        return "circuit open" in self.errors.get(code, "")


class Reporter:
    """A signed-in subject asking for its own report, each request timed."""

    def __init__(self, session: aiohttp.ClientSession, base: str, csrf: str, subject: str) -> None:
        self.session, self.base, self.csrf = session, base, csrf
        self.body = {"subject": subject, "edition": "standard", "window_years": 3, "purpose": "bidding"}

    async def report(self) -> Timed:
        started = time.monotonic()
        try:
            async with self.session.post(
                self.base + "/v1/reports", json=self.body, headers={"X-CSRF-Token": self.csrf}
            ) as response:
                status = response.status
                body: Any = await response.json()
        except (aiohttp.ClientError, TimeoutError):
            status, body = 0, {}
        regions = {r["code"]: r["status"] for r in body.get("regions", [])} if status == 200 else {}
        errors = {r["code"]: r["error"] or "" for r in body.get("regions", []) if r["status"] != "answered"}
        if status != 200:
            errors["http"] = str(body.get("error", body))[:300]
        if status == 200:
            # Invariant 1, on every report: complete only when every region answered; never clean without one.
            assert body["complete"] == all(s == "answered" for s in regions.values()), body
            for region in body["regions"]:
                assert (region["answer"] is not None) == (region["status"] == "answered"), region
        return Timed(started, time.monotonic() - started, status, regions, errors)

    async def for_(self, seconds: float, clients: int) -> list[Timed]:
        """``clients`` concurrent loops of reports for ``seconds``."""
        outcomes: list[Timed] = []
        until = time.monotonic() + seconds

        async def loop() -> None:
            while time.monotonic() < until:
                outcomes.append(await self.report())

        await asyncio.gather(*(loop() for _ in range(clients)))
        return outcomes


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 1), "p99_ms": round(p99 * 1000, 1)}


def write_figures(name: str, figures: dict[str, Any]) -> None:
    """Merge ``figures`` under ``name`` into var/test-artifacts/faults.json (and print them)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "faults.json"
    existing = json.loads(path.read_text()) if path.is_file() else {}
    existing[name] = figures
    path.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    print(f"\n[faults] {name}: {json.dumps(figures, ensure_ascii=False)}")
