"""The query path's raw driver access (adapters/raw_sql.py), on the real SQLite and PostgreSQL.

Cancelled reads give their connection back (else a node would stall once the pool ran dry), statements keep
SQLAlchemy's parameter handling, and what the raw path cannot do is refused up front.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from adapters.raw_sql import DEFAULT_POOL_SIZE, RawStatement, open_raw_db
from adapters.schema import meta, penalties
from adapters.store import SqlRecordStore
from tests.adapters.test_store import COMPANY, WINDOW, penalty


async def test_cancelled_reads_give_their_connections_back(store: SqlRecordStore) -> None:
    await store.add_records([penalty(date(2024, 1, 1 + n), n) for n in range(20)])

    async def read() -> int:
        return sum([len(page) async for page in store.query_rows(COMPANY, *WINDOW, page_rows=2)])

    for _ in range(3):  # each round cancels more reads than the pool has connections, mid-statement
        tasks = [asyncio.create_task(read()) for _ in range(3 * DEFAULT_POOL_SIZE)]
        for _ in range(3):
            await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        assert any(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
    assert await asyncio.wait_for(read(), timeout=10) == 20
    assert await asyncio.wait_for(store.data_as_of(), timeout=10) is not None


def test_statements_keep_sqlalchemy_parameter_processing() -> None:
    statement = RawStatement.compile(
        select(penalties.c.record_id).where(penalties.c.decision_date == date(2024, 1, 2)), "sqlite"
    )
    assert statement.sql.count("?") == 1
    # SQLite keeps dates as ISO text, as SQLAlchemy wrote them; the literal's value is kept.
    assert statement.args({}) == ("2024-01-02",)
    assert statement.args({statement.names[0]: date(2025, 3, 4)}) == ("2025-03-04",)
    postgres = RawStatement.compile(select(penalties.c.record_id).where(penalties.c.uscc == "x"), "postgresql")
    assert "$1" in postgres.sql
    assert postgres.args({}) == ("x",)


def test_expanding_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="expanding parameters"):
        RawStatement.compile(select(meta.c.value).where(meta.c.key.in_(["a", "b"])), "sqlite")


async def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory SQLite"):
        await open_raw_db("sqlite+aiosqlite:///:memory:")
