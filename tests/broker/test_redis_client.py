"""The broker's Redis client: on a Redis that wants TLS and a password (issue 10, point 7: a real ``redis-server``
with ``--tls-port`` and an ACL user; the right URL works, a wrong password or an untrusted certificate fails
closed); through Sentinel to a master with a replica (issue 13), where durable writes wait for that replica."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from adapters.pki import LeafProfile, issue_leaf, make_ca
from broker.audit.writes import chain_key
from broker.redis_client import SentinelMaster, open_redis, replica_ack
from broker.reports.store import RedisReportStore
from broker.settings import Settings
from consent.errors import ConsentStoreUnavailable
from consent.redis_writes import WriteNotReplicated
from tests.broker.conftest import ENTERPRISE, free_port, sign_in
from tests.redis_servers import SERVICE, RedisProcess, RedisServers

PASSWORD = "a-long-redis-password-for-the-test"


def _pem_files(directory: Path) -> tuple[Path, Path, Path]:
    ca_key, ca_cert = make_ca()
    profile = LeafProfile("localhost", "redis", (), ("localhost",), ExtendedKeyUsageOID.SERVER_AUTH)
    key, cert = issue_leaf(profile, ca_key, ca_cert)
    ca, crt, pem = directory / "ca.pem", directory / "redis.pem", directory / "redis-key.pem"
    ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca, crt, pem


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    binary = shutil.which("redis-server")
    assert binary is not None
    ca, cert, key = _pem_files(tmp_path)
    port = free_port()
    conf = tmp_path / "redis.conf"
    conf.write_text(
        f"port 0\ntls-port {port}\nbind 127.0.0.1\ntls-cert-file {cert}\ntls-key-file {key}\n"
        f'tls-ca-cert-file {ca}\ntls-auth-clients no\nsave ""\ndir {tmp_path}\n'
        f"user default off\nuser jjj on >{PASSWORD} ~* &* +@all\n"
    )
    process = subprocess.Popen([binary, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, ca
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_rediss_with_a_user_and_password(tls_redis: tuple[int, Path]) -> None:
    port, ca = tls_redis
    settings = Settings.model_validate({"redis_url": f"rediss://jjj:{PASSWORD}@localhost:{port}/0", "redis_ca": ca})
    redis = open_redis(settings)
    try:
        assert await redis.ping()
        await redis.set("jjjtest:tls", "1", ex=10)
        assert await redis.get("jjjtest:tls") == b"1"
    finally:
        await redis.aclose()


@pytest.mark.parametrize("case", ["wrong password", "untrusted certificate", "plaintext"])
async def test_anything_else_fails_closed(tls_redis: tuple[int, Path], tmp_path: Path, case: str) -> None:
    from broker.reports.store import RedisReportStore  # the store's ping: how /healthz sees Redis

    port, ca = tls_redis
    url, trusted = f"rediss://jjj:{PASSWORD}@localhost:{port}/0", ca
    if case == "wrong password":
        url = f"rediss://jjj:not-it@localhost:{port}/0"
    elif case == "untrusted certificate":
        (tmp_path / "other").mkdir()
        trusted, _, _ = _pem_files(tmp_path / "other")  # another CA's certificate is the one trusted
    else:
        url = f"redis://jjj:{PASSWORD}@localhost:{port}/0"
    redis = open_redis(Settings.model_validate({"redis_url": url, "redis_ca": trusted}))
    try:
        store = RedisReportStore(redis, "x:", b"k", None, None)  # type: ignore[arg-type]
        with pytest.raises(ConsentStoreUnavailable):
            await store.ping()
    finally:
        await redis.aclose()


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[tuple[RedisServers, RedisProcess, RedisProcess, list[RedisProcess]]]:
    """A master, its replica and three sentinels watching them, on loopback."""
    servers = RedisServers(tmp_path / "redis")
    try:
        master = servers.server("master")
        replica = servers.replica("replica", master)
        watching = [servers.sentinel(f"sentinel-{i}", master) for i in range(3)]
        yield servers, master, replica, watching
    finally:
        servers.stop_all()


async def test_a_sentinel_url_finds_the_master_and_waits_for_its_replica(
    sentinels: tuple[RedisServers, RedisProcess, RedisProcess, list[RedisProcess]],
) -> None:
    servers, master, replica, watching = sentinels
    hosts = ",".join(f"127.0.0.1:{s.port}" for s in watching)
    settings = Settings.model_validate(
        {"redis_url": f"redis+sentinel://{hosts}/{SERVICE}/0", "redis_min_replicas_ack": 1}
    )
    redis = open_redis(settings)
    try:
        acks = replica_ack(settings)
        assert await acks.command(redis, "jjjtest:sentinel", "SET", "jjjtest:sentinel", "1", "EX", 60)
        assert master.client().get("jjjtest:sentinel") == b"1"  # the sentinels' master took it …
        assert replica.client().get("jjjtest:sentinel") == b"1"  # … and its replica had it before the answer
        servers.pause(replica)
        with pytest.raises(WriteNotReplicated):
            await acks.command(redis, "jjjtest:sentinel", "SET", "jjjtest:sentinel", "2", "EX", 60)
        servers.resume(replica)
    finally:
        await redis.aclose()
    # Closing the broker's client closes its connections to the sentinels too (none left open to leak).
    assert isinstance(redis, SentinelMaster)
    assert redis.sentinels is not None
    pools = [client.connection_pool for client in redis.sentinels.sentinels]
    assert any(pool._available_connections for pool in pools)  # type: ignore[attr-defined]  # they were asked …
    for pool in pools:  # … and nothing stays connected to them
        assert not any(c.is_connected for c in pool._available_connections)  # type: ignore[attr-defined]


async def test_with_acknowledgements_asked_and_no_replica_a_report_is_refused_and_nothing_issued(
    broker_factory: Callable[..., Awaitable[TestClient]],  # type: ignore[type-arg]
    redis_client: aioredis.Redis,
    redis_prefix: str,
) -> None:
    # The test Redis has no replica: JJJ_REDIS_MIN_REPLICAS_ACK=1 can never be met, and must never be pretended.
    client = await broker_factory(redis_min_replicas_ack=1, redis_ack_timeout_ms=20)
    csrf = await sign_in(client)
    response = await client.post(
        "/v1/reports",
        json={"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 503, await response.text()
    assert (await response.json())["error"]["code"] == "consent_store_unavailable"
    assert "X-Verification-Code" not in response.headers
    assert [k async for k in redis_client.scan_iter(match=chain_key(redis_prefix, "report:meta:*"))] == []


async def test_a_command_retried_across_a_failover_reaches_the_new_master_not_the_old_address(
    sentinels: tuple[RedisServers, RedisProcess, RedisProcess, list[RedisProcess]],
) -> None:
    # The master dies while a command is being sent; the sentinels promote the replica; the old master comes back,
    # empty, on its old address. The command's retries must follow the sentinels to the new master: an answer
    # from the old address would be a stale Redis (here: a grant that was revoked would read as never stored).
    servers, master, _, watching = sentinels
    hosts = ",".join(f"127.0.0.1:{s.port}" for s in watching)
    redis = open_redis(Settings.model_validate({"redis_url": f"redis+sentinel://{hosts}/{SERVICE}/0"}))
    try:
        await replica_ack(Settings(redis_min_replicas_ack=1)).command(redis, "jjjtest:k", "SET", "jjjtest:k", "v")
        servers.kill(master)
        reading = asyncio.create_task(redis.get("jjjtest:k"))  # retried every 250 ms until a master answers
        deadline = time.monotonic() + 30
        while not all(
            int(s.client().execute_command("SENTINEL", "get-master-addr-by-name", SERVICE)[1]) != master.port
            for s in watching
        ):
            assert time.monotonic() < deadline, "no failover"
            await asyncio.sleep(0.05)
        servers.restart(master)  # empty: this test's servers keep nothing on disk
        assert await reading == b"v"
    finally:
        await redis.aclose()


async def test_rediss_sentinel_speaks_tls_with_a_password_to_sentinels_and_master(tmp_path: Path) -> None:
    # The TLS form: every server (master, replica, sentinel) listens on TLS only and wants the ACL user; the
    # sentinel names hosts, so that certificates can (`announce-hostnames`).
    ca, cert, key = _pem_files(tmp_path)
    tls = ["port 0", "tls-port {port}", f"tls-cert-file {cert}", f"tls-key-file {key}", f"tls-ca-cert-file {ca}",
           "tls-auth-clients no", "tls-replication yes", "user default off",
           f"user jjj on >{PASSWORD} ~* &* +@all"]  # fmt: skip
    connect: dict[str, object] = {"host": "localhost", "ssl": True, "ssl_ca_certs": str(ca), "username": "jjj",
                                  "password": PASSWORD}  # fmt: skip
    servers = RedisServers(tmp_path / "redis")
    try:
        master = servers.server("master", *tls, "replica-announce-ip localhost", connect=connect)
        servers.replica("replica", master, *tls, "masteruser jjj", f"masterauth {PASSWORD}",
                        "replica-announce-ip localhost", host="localhost", connect=connect)  # fmt: skip
        sentinel = servers.sentinel(
            "sentinel", master, *tls[:-3], "user default off", f"user jjj on >{PASSWORD} ~* &* +@all",
            "sentinel resolve-hostnames yes", "sentinel announce-hostnames yes", quorum=1, host="localhost",
            connect=connect,
        )  # fmt: skip
        # How the sentinel logs in to the master and replica.
        sentinel.client().execute_command("SENTINEL", "SET", SERVICE, "auth-user", "jjj")
        sentinel.client().execute_command("SENTINEL", "SET", SERVICE, "auth-pass", PASSWORD)
        url = f"rediss+sentinel://jjj:{PASSWORD}@localhost:{sentinel.port}/{SERVICE}/0"
        settings = Settings.model_validate({"redis_url": url, "redis_ca": ca, "redis_min_replicas_ack": 1})
        redis = open_redis(settings)
        try:
            assert await replica_ack(settings).command(redis, "jjjtest:tls", "SET", "jjjtest:tls", "1", "EX", 60)
            assert master.client().get("jjjtest:tls") == b"1"
        finally:
            await redis.aclose()
        plain = url.replace("rediss+", "redis+", 1)
        plaintext = open_redis(Settings.model_validate({"redis_url": plain, "redis_failover_wait_s": 0}))
        try:
            with pytest.raises(ConsentStoreUnavailable):
                await RedisReportStore(plaintext, "x:", b"k", None, None).ping()  # type: ignore[arg-type]
        finally:
            await plaintext.aclose()
    finally:
        servers.stop_all()
