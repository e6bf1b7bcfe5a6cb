"""Two real broker processes behind one Redis: a grant revoked through one holds on the other at once.

Real processes throughout: three seeded nodes (``python -m adapters seed`` / ``serve``, checking warrants against
the broker's JWKS file) and two ``python -m broker serve`` replicas sharing a Redis key prefix, a keys directory
and an OAuth issuer. The bank gets its token through broker A over HTTP, fetches a report through broker B, the
subject revokes the grant through A, and B refuses the bank's very next request.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
import redis.asyncio as aioredis

from adapters.pki import ensure_dev_pki
from adapters.seed import demo_subjects
from broker.keys import init_keys
from consent.accounts import AccountStore
from consent.clients import ClientRegistry
from merge.identifiers import parse_subject
from merge.regions import REGION_ORDER
from tests.conftest import REDIS_URL, delete_prefixed, free_port

#: Production settings refuse the published development value; every replica shares this one.
SUBJECT_KEY_SECRET = "jjj-e2e-replicas-subject-key-0123456789abcdef"

pytestmark = pytest.mark.e2e

SEED = 2026
PASSWORD = "replica-test-password"
REDIRECT = "http://127.0.0.1:9/callback"
ISSUER = "https://jjj.replicas.test"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_STARTUP_S = 60.0


class Processes:
    """Every child this test starts; ``stop_all`` ends each by its own pid (TERM, then KILL)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.children.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for _, process in self.children:
            if process.poll() is None:
                process.terminate()
        for _, process in self.children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    (tmp_path / "logs").mkdir()
    running = Processes(tmp_path / "logs")
    yield running
    running.stop_all()


@pytest.fixture
async def prefix() -> Iterator[str]:  # type: ignore[misc]
    value = f"jjjtest:{uuid.uuid4().hex[:12]}:"
    yield value
    await delete_prefixed(value)


async def _wait_healthy(session: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes], name: str,
                        processes: Processes) -> None:  # fmt: skip
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{name} exited early:\n{processes.log(name)}"
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                if response.status == 200 and (await response.json()).get("status") == "ok":
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.3)
    raise AssertionError(f"{name} not healthy within {_STARTUP_S:.0f} s:\n{processes.log(name)}")


def _seed(tmp_path: Path, processes: Processes) -> dict[str, str]:
    urls = {region.value: f"sqlite+aiosqlite:///{tmp_path / region.value}.db" for region in REGION_ORDER}
    seeding = [
        (region.value, processes.start(f"seed-{region.value}", [sys.executable, "-m", "adapters", "seed",
         "--region", region.value, "--subjects", "2", "--seed", str(SEED), "--db", urls[region.value]]))
        for region in REGION_ORDER
    ]  # fmt: skip
    for name, process in seeding:
        assert process.wait(timeout=120) == 0, processes.log(f"seed-{name}")
    return urls


async def test_revocation_through_one_broker_process_holds_on_the_other(
    tmp_path: Path, processes: Processes, prefix: str
) -> None:
    ring = init_keys(tmp_path / "keys")
    jwks_file = tmp_path / "broker-jwks.json"
    jwks_file.write_text(json.dumps(ring.public_jwks()))
    urls = _seed(tmp_path, processes)
    pki = ensure_dev_pki(tmp_path / "certs")
    tls = {"JJJ_TLS_CERT": str(pki.broker_cert), "JJJ_TLS_KEY": str(pki.broker_key), "JJJ_TLS_CA": str(pki.ca_cert)}
    env = dict(os.environ, JJJ_REDIS_URL=REDIS_URL, JJJ_REDIS_PREFIX=prefix, JJJ_KEYS_DIR=str(tmp_path / "keys"),
               JJJ_OAUTH_ISSUER=ISSUER, JJJ_HOST="127.0.0.1", JJJ_WARRANT_ISSUER=ISSUER,
               JJJ_SUBJECT_KEY_SECRET=SUBJECT_KEY_SECRET, **tls)  # fmt: skip
    for region in REGION_ORDER:
        port = free_port()
        env[f"JJJ_NODE_{region.name}"] = f"127.0.0.1:{port}"
        processes.start(f"node-{region.value}", [sys.executable, "-m", "adapters", "serve", "--region", region.value,
                        "--db", urls[region.value], "--host", "127.0.0.1", "--port", str(port),
                        "--broker-jwks", str(jwks_file), "--broker-issuer", ISSUER,
                        "--tls-dir", str(pki.directory)])  # fmt: skip
    brokers: dict[str, str] = {}
    started: dict[str, subprocess.Popen[bytes]] = {}
    for name in ("broker-a", "broker-b"):
        port = free_port()
        brokers[name] = f"http://127.0.0.1:{port}"
        started[name] = processes.start(
            name, [sys.executable, "-m", "broker", "serve"],
            dict(env, JJJ_PORT=str(port), JJJ_PUBLIC_BASE_URL=brokers[name]),
        )  # fmt: skip
    a, b = brokers["broker-a"], brokers["broker-b"]

    # The subject's account and the bank's registration, straight into the shared stores.
    enterprise = next(s for s in demo_subjects(SEED) if s.kind.value == "enterprise").identifier
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        await AccountStore(redis, prefix, SUBJECT_KEY_SECRET.encode()).add(
            parse_subject(enterprise), "示例企业", PASSWORD
        )
        _, secret = await ClientRegistry(redis, prefix).add("replica-bank", "示例银行", [REDIRECT], ["report:standard"])
    finally:
        await redis.aclose()
    assert secret is not None
    bank_auth = {"Authorization": "Basic " + base64.b64encode(f"replica-bank:{secret}".encode()).decode()}
    timeout = aiohttp.ClientTimeout(total=20)

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout) as browser:
        for name, url in brokers.items():
            await _wait_healthy(browser, url + "/healthz", started[name], name, processes)
        # The subject signs in at broker A and approves the bank's request there.
        page = await (await browser.get(a + "/signin")).text()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        signed_in = await browser.post(a + "/signin", allow_redirects=False, data={
            "subject": enterprise, "password": PASSWORD, "csrf_token": csrf.group(1), "next": "/account"})  # fmt: skip
        assert signed_in.status == 303, await signed_in.text()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {"response_type": "code", "client_id": "replica-bank", "redirect_uri": REDIRECT,
                 "scope": "report:standard", "state": "st", "code_challenge": challenge,
                 "code_challenge_method": "S256", "purpose": "bidding", "max_uses": "5"}  # fmt: skip
        consent = await browser.get(a + "/oauth/authorize?" + urlencode(query), allow_redirects=False)
        assert consent.status == 200, await consent.text()
        fields = {k: html.unescape(v) for k, v in _HIDDEN.findall(await consent.text())}
        approved = await browser.post(a + "/oauth/authorize", data={**fields, "decision": "approve"},
                                      allow_redirects=False)  # fmt: skip
        assert approved.status == 302, await approved.text()
        code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
        csrf_token = (await (await browser.get(a + "/v1/me")).json())["csrf_token"]

        async with aiohttp.ClientSession(timeout=timeout) as bank:
            issued = await bank.post(a + "/oauth/token", headers=bank_auth, data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": verifier})  # fmt: skip
            assert issued.status == 200, await issued.text()
            bearer = {"Authorization": "Bearer " + (await issued.json())["access_token"]}
            body = {"subject": enterprise, "edition": "standard", "window_years": 3, "purpose": "bidding"}

            report = await bank.post(b + "/v1/reports", json=body, headers=bearer)
            assert report.status == 200, await report.text()
            answer = await report.json()
            # Broker B asked all three nodes, each of which checked B's warrant against the shared keys.
            assert answer["complete"] is True
            assert [r["status"] for r in answer["regions"]] == ["answered"] * 3

            grants = (await (await browser.get(a + "/v1/grants")).json())["grants"]
            assert [g["grantee_id"] for g in grants] == ["replica-bank"]
            revoked = await browser.post(a + f"/v1/grants/{grants[0]['id']}/revoke",
                                         headers={"X-CSRF-Token": csrf_token})  # fmt: skip
            assert revoked.status == 200, await revoked.text()

            refused = await bank.post(b + "/v1/reports", json=body, headers=bearer)
            assert refused.status == 403, await refused.text()
            assert "revoked" in (await refused.json())["error"]["message"]
