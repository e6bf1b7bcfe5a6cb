"""Replay protection across replicas: WarrantCheck instances sharing one SQLite file or one PostgreSQL database.

A jti is accepted once, ever, however many replicas see it at once; every other presentation is refused and
logged. A database whose log was made before the log held replay protection keeps refusing what it accepted then,
and a replica still running that older version cannot accept again what a new one accepted.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy.exc
from joserfc.jwk import KeySet
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.broker_jwks import BrokerJwks
from adapters.convert import QueryScope
from adapters.server import WarrantRejected
from adapters.warrant_check import WarrantCheck, warrant_log, warrant_metadata
from merge.editions import Edition
from merge.regions import Region
from tests.adapters.test_warrant_check import BROKER, ENTERPRISE, ISSUERS, WINDOW_FROM, WINDOW_TO, warrant

SCOPE = QueryScope(Region.TIANJIN, ENTERPRISE, Edition.STANDARD, WINDOW_FROM, WINDOW_TO, "req-race")
JWKS = BrokerJwks("test", KeySet([BROKER]))
OLD_ACCEPTANCE = {
    "at": datetime.now(UTC), "jti": "jti-then", "grant_id": "g", "grantee": "b", "purpose": "p", "edition": "standard",
    "outcome": "accepted", "reason": "", "subject_masked": "x", "request_id": "r",
}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """One node database shared by the replicas of a test (its warrant tables dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
        return
    url: str = request.getfixturevalue("postgres_urls")[Region.TIANJIN]
    yield url
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(warrant_metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS warrant_jtis"))
    await engine.dispose()


async def accepted(replica: WarrantCheck, token: bytes) -> bool:
    """True if accepted; False if refused as replayed (any other refusal fails the test)."""
    try:
        await replica.verify(token, SCOPE)
    except WarrantRejected as exc:
        reason = str(exc)
    else:
        return True
    assert reason == "replayed: jti already used"
    return False


async def _race(urls: list[str]) -> list[bool]:
    """Two replicas of one node (two verifiers, one database) get the same warrant 10 times each, at once."""
    replicas = [await WarrantCheck.open(url, Region.TIANJIN, JWKS, issuers=ISSUERS) for url in urls]
    token = warrant()
    try:
        outcomes = await asyncio.gather(*(accepted(replicas[i % 2], token) for i in range(20)))
        entries = await replicas[0].log_entries(limit=50)
        assert sorted(e.outcome for e in entries) == ["accepted"] + ["refused"] * 19
    finally:
        for replica in replicas:
            await replica.close()
    return list(outcomes)


async def test_two_replicas_sharing_sqlite_accept_a_warrant_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    assert sum(await _race([url, url])) == 1


@pytest.mark.postgres
async def test_two_replicas_sharing_postgresql_accept_a_warrant_once(postgres_urls: dict[Region, str]) -> None:
    url = postgres_urls[Region.TIANJIN]
    try:
        assert sum(await _race([url, url])) == 1
    finally:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(warrant_metadata.drop_all)
        await engine.dispose()


async def test_many_warrants_at_once_on_three_replicas_are_each_accepted_once(database: str) -> None:
    replicas = [await WarrantCheck.open(database, Region.TIANJIN, JWKS, issuers=ISSUERS) for _ in range(3)]
    tokens = [warrant(jti=f"jti-{n}") for n in range(25)]
    try:
        # Every warrant four times, interleaved over the replicas, all at once.
        attempts = [(n, replicas[(n + k) % 3]) for k in range(4) for n in range(len(tokens))]
        outcomes = await asyncio.gather(*(accepted(replica, tokens[n]) for n, replica in attempts))
        entries = await replicas[1].log_entries(limit=200)
    finally:
        for replica in replicas:
            await replica.close()
    wins = Counter(n for (n, _), won in zip(attempts, outcomes, strict=True) if won)
    assert wins == Counter(range(len(tokens)))
    assert Counter((e.jti, e.outcome) for e in entries) == Counter(
        {
            (f"jti-{n}", outcome): count
            for n in range(len(tokens))
            for outcome, count in (("accepted", 1), ("refused", 3))
        }
    )


async def test_a_log_from_before_keeps_refusing_what_it_accepted(database: str) -> None:
    # The older layout: jtis in a table of their own, a log without the unique index.
    engine = create_async_engine(database)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE warrant_jtis (jti VARCHAR(64) PRIMARY KEY, expires_at BIGINT NOT NULL)"))
        await conn.run_sync(warrant_log.create)
        await conn.execute(text("DROP INDEX uq_warrant_log_accepted_jti"))
        await conn.execute(insert(warrant_log), OLD_ACCEPTANCE)
    replica = await WarrantCheck.open(database, Region.TIANJIN, JWKS, issuers=ISSUERS)
    try:
        assert not await accepted(replica, warrant(jti="jti-then"))
        assert await accepted(replica, warrant(jti="jti-now"))
    finally:
        await replica.close()
    # A replica of the older version, sharing the database, records "jti-now" in its jti table and logs its
    # acceptance in one transaction: the log's index refuses, and the whole transaction rolls back.
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO warrant_jtis VALUES ('jti-now', 0)"))
        with pytest.raises(sqlalchemy.exc.IntegrityError):
            await conn.execute(insert(warrant_log), OLD_ACCEPTANCE | {"jti": "jti-now"})
        await conn.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM warrant_jtis"))).scalar() == 0
    await engine.dispose()
