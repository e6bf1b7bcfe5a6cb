"""Redis killed and restarted under the broker (issue 11): while it is down every request that needs it is
refused (fail closed, nothing queried); once it is back, no acknowledged grant, revocation or issued report is
lost. Redis runs with AOF ``appendfsync always``, as ``jjj demo``'s single Redis does: a write is acknowledged only
once it is on disk. (A production site runs replicas and acknowledges durable writes after ``WAIT``, with
``appendfsync everysec`` on each server: README, "Writes that must not be lost".)"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.broker.account.test_grants import bank_token, change
from tests.broker.oauth.test_rules import GOOD, report_with
from tests.broker.verify.test_views import issue, verify
from tests.conftest import free_port

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


@dataclass
class RedisProcess:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--dir", str(self.directory)]  # fmt: skip
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)  # no shutdown, no final fsync: only what was acknowledged
        self.process.wait(timeout=10)


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(free_port(), tmp_path / "redis")
    server.directory.mkdir()
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=10)


async def test_nothing_acknowledged_is_lost_and_nothing_answered_while_down(
    broker_factory: Factory, redis_process: RedisProcess
) -> None:
    client = await broker_factory(redis_url=redis_process.url)
    issued = await issue(client)  # (signs in; bank_token signs in again and keeps that session's CSRF token)
    token, grant_id = await bank_token(client, max_uses="5")
    assert (await change(client, grant_id, "revoke")).status == 200  # acknowledged

    redis_process.kill()
    # Down: fail closed — no report, no verification, no grant change, readiness says so.
    assert (await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": client.csrf})).status == 503  # type: ignore[attr-defined]
    status, _ = await verify(client, issued.code)
    assert status == 503
    assert (await client.get("/healthz/ready")).status == 503

    redis_process.start()
    # Back: the revocation holds, the report verifies, the grant is still there.
    response = await report_with(client, token)
    assert response.status == 403
    status, answer = await verify(client, issued.code)
    assert (status, answer["status"]) == (200, "valid")
    grants = (await (await client.get("/v1/grants")).json())["grants"]
    assert [(g["id"], g["status"]) for g in grants] == [(grant_id, "revoked")]
