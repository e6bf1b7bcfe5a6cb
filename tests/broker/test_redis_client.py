"""The broker on a Redis that wants TLS and a password (issue 10, point 7): a real ``redis-server`` with
``--tls-port`` and an ACL user; the right URL works, a wrong password or an untrusted certificate fails closed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from adapters.pki import LeafProfile, issue_leaf, make_ca
from broker.redis_client import open_redis
from broker.settings import Settings
from consent.errors import ConsentStoreUnavailable
from tests.broker.conftest import free_port

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
