"""Fixtures of the fault suite: the e2e helpers' process set and the session's PostgreSQL databases, reused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.adapters.conftest import postgres_urls  # noqa: F401  (the fixture, reused by the replica test)
from tests.conftest import delete_prefixed
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
    prefixes = PREFIXES[:]
    PREFIXES.clear()
    await delete_prefixed(*prefixes)
