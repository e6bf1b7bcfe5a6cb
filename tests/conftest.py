"""Fixtures shared by every test package: the real Redis on 127.0.0.1:6379 under a key prefix per test, and the
federation's development PKI (mTLS between broker and nodes) for the session."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from adapters.pki import PkiLayout, ensure_dev_pki

REDIS_URL = os.environ.get("JJJ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    """A TCP port free on loopback right now (for servers a test starts as processes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def redis_prefix() -> str:
    return f"jjjtest:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_client(redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    """A client of the real Redis; every key under this test's prefix is deleted afterwards."""
    client = aioredis.Redis.from_url(REDIS_URL)
    await client.ping()
    yield client
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiLayout:
    """The federation's development PKI for this test session."""
    return ensure_dev_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def foreign_pki(tmp_path_factory: pytest.TempPathFactory) -> PkiLayout:
    """Another CA and certificates with the very same names: what an impostor with its own CA would have."""
    return ensure_dev_pki(tmp_path_factory.mktemp("foreign-pki"))
