"""Fixtures of the fault suite: the e2e helpers' process set and the session's PostgreSQL databases, reused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.adapters.conftest import postgres_urls  # noqa: F401  (the fixture, reused by the replica test)
from tests.conftest import REDIS_URL
from tests.e2e.test_replicas import Processes
from tests.faults.federation import PREFIXES


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    (tmp_path / "logs").mkdir()
    running = Processes(tmp_path / "logs")
    yield running
    running.stop_all()


@pytest.fixture(autouse=True)
async def _federation_keys_deleted() -> AsyncIterator[None]:
    """Delete every key the test's federations wrote (thousands per load test): left behind, they slowed each later
    run on the same Redis — and CI runs against the Redis the session left."""
    yield
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        while PREFIXES:
            prefix = PREFIXES.pop()
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
