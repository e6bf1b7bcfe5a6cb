"""Fixtures shared by every test package: the real Redis on 127.0.0.1:6379 under a key prefix per test, and the
federation's development PKI (mTLS between broker and nodes) for the session.

Tests marked ``cluster`` run twice: against that Redis (``[single]``) and against a Redis Cluster of three masters
this session starts on free ports (``[cluster]``, :mod:`tests.redis_servers`); ``redis_url`` and ``redis_client``
follow the parameter. Unmarked tests see the single Redis only."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.pki import PkiLayout, ensure_dev_pki
from consent.redis_writes import RedisClient

REDIS_URL = os.environ.get("JJJ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def delete_prefixed(*prefixes: str, url: str = REDIS_URL) -> None:
    """Delete every key under ``prefixes`` in the Redis at ``url`` (a test's keys, when it is done with them)."""
    import redis.asyncio as aioredis

    redis = aioredis.Redis.from_url(url)
    try:
        for prefix in prefixes:
            batch: list[bytes] = []
            async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await redis.unlink(*batch)
                    batch = []
            if batch:
                await redis.unlink(*batch)
    finally:
        await redis.aclose()


def free_port() -> int:
    """A TCP port free on loopback right now (for servers a test starts as processes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "redis_topology" in metafunc.fixturenames and metafunc.definition.get_closest_marker("cluster"):
        metafunc.parametrize("redis_topology", ["single", "cluster"], indirect=True)


@pytest.fixture
def redis_topology(request: pytest.FixtureRequest) -> str:
    """``single`` (the Redis on 6379), or ``cluster`` for the second run of a test marked ``cluster``."""
    return str(getattr(request, "param", "single"))


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis Cluster of three masters for this session (started on first use); yields its URL."""
    from tests.redis_servers import RedisServers

    servers = RedisServers(Path(tmp_path_factory.mktemp("redis-cluster")))
    try:
        nodes = servers.cluster(3)
        yield "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in nodes) + "/0"
    finally:
        servers.stop_all()


@pytest.fixture
def redis_url(redis_topology: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("redis_cluster")) if redis_topology == "cluster" else REDIS_URL


def open_test_redis(url: str) -> RedisClient:
    """A client the way the broker opens one (``broker.redis_client.open_redis``) for ``url``."""
    from broker.redis_client import open_redis
    from broker.settings import Settings

    return open_redis(Settings.model_validate({"redis_url": url}))


@pytest.fixture
def redis_prefix() -> str:
    return f"jjjtest:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_client(redis_prefix: str, redis_url: str) -> AsyncIterator[RedisClient]:
    """A client of the real Redis (or the cluster); every key under this test's prefix is deleted afterwards."""
    client = open_test_redis(redis_url)
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


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Put the root logger back as the test found it. A CLI run in-process (``logs.configure``) binds a handler to
    the stderr pytest captured for that one test; left in place, every later log line from a server thread fails
    on the closed stream, and the traceback Python 3.11 prints for it parses source (``ast``) in that thread while
    hypothesis parses source in the test's — CPython 3.11.7's AST state is not thread-safe, and the fuzz tests
    failed with a SystemError from that race."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
