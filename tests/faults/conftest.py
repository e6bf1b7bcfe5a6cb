"""Fixtures of the fault suite: the e2e helpers' process set and the session's PostgreSQL databases, reused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.conftest import postgres_urls  # noqa: F401  (the fixture, reused by the replica test)
from tests.e2e.test_replicas import Processes


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    (tmp_path / "logs").mkdir()
    running = Processes(tmp_path / "logs")
    yield running
    running.stop_all()
