"""Store fixtures for the adapter tests: real SQLite files and the real PostgreSQL on 127.0.0.1:5432.

Fixtures other adapter tests may use (the gRPC server tests do):

* ``store_factory`` — parametrized over ``sqlite`` and ``postgresql``: an async callable
  ``await store_factory(region)`` returning an open, empty :class:`adapters.store.SqlRecordStore` for that region.
  Every store it opened is closed after the test; PostgreSQL tables are dropped so the next test starts empty.
* ``store`` — ``await store_factory(Region.TIANJIN)``, i.e. one empty Tianjin store per backend.
* ``sqlite_store_factory`` — like ``store_factory`` but SQLite only (for tests that need not run twice).
* ``postgres_urls`` — session-wide URLs, one per region, of freshly created databases with random names, dropped
  at the end.
* ``pki`` — a development PKI (:func:`adapters.pki.ensure_dev_pki`) for the session: the federation CA, every
  node's and the broker's certificates. ``foreign_pki`` — a second, unrelated one (another CA). Helpers that turn
  them into TLS material and channels are in :mod:`tests.adapters.tls`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.schema import metadata
from adapters.store import SqlRecordStore
from merge.regions import Region

PG_HOST = os.environ.get("JJJ_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("JJJ_TEST_PG_PORT", "5432"))

StoreFactory = Callable[[Region], Awaitable[SqlRecordStore]]


async def _admin_connect() -> asyncpg.Connection:
    # Trust auth: the server accepts `postgres` on most installs and `root` on some; try both.
    last: Exception | None = None
    for user in (os.environ.get("JJJ_TEST_PG_USER", "postgres"), "root"):
        try:
            return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=user, database="postgres")
        except (asyncpg.PostgresError, OSError) as exc:
            last = exc
    raise RuntimeError(f"PostgreSQL at {PG_HOST}:{PG_PORT} is required for these tests: {last}")


@pytest.fixture(scope="session")
def postgres_urls() -> Iterator[dict[Region, str]]:
    """One fresh database per region for this test session, dropped (with their connections) afterwards."""
    base = f"jjj_test_{uuid.uuid4().hex[:12]}"
    names = {region: f"{base}_{region.value}" for region in Region}

    async def create() -> dict[Region, str]:
        conn = await _admin_connect()
        try:
            for name in names.values():
                await conn.execute(f'CREATE DATABASE "{name}"')
            user = await conn.fetchval("SELECT current_user")
        finally:
            await conn.close()
        return {region: f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}" for region, name in names.items()}

    async def drop() -> None:
        conn = await _admin_connect()
        try:
            for name in names.values():
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    # The fixture may first be requested from inside a running event loop (an async fixture's
    # getfixturevalue), where asyncio.run is not allowed: run the admin work on a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        urls = pool.submit(lambda: asyncio.run(create())).result()
    yield urls
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(drop())).result()


async def _drop_tables(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await engine.dispose()


def _factory(url_for: Callable[[Region], str]) -> tuple[StoreFactory, list[SqlRecordStore]]:
    opened: list[SqlRecordStore] = []

    async def make(region: Region) -> SqlRecordStore:
        store = await SqlRecordStore.open(url_for(region), region)
        opened.append(store)
        return store

    return make, opened


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Open empty stores per region on the parametrized backend (see the module docstring)."""
    if request.param == "sqlite":
        make, opened = _factory(lambda region: f"sqlite+aiosqlite:///{tmp_path / 'db' / region.value}.db")
        yield make
        for store in opened:
            await store.close()
        return
    # A database holds one region (the store refuses a second), so each region has its own database.
    urls: dict[Region, str] = request.getfixturevalue("postgres_urls")
    make, opened = _factory(lambda region: urls[region])
    yield make
    for store in opened:
        await store.close()
    for region in {store.region for store in opened}:
        await _drop_tables(urls[region])


@pytest.fixture
async def sqlite_store_factory(tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Like ``store_factory``, SQLite only: one file per region under ``tmp_path``."""
    make, opened = _factory(lambda region: f"sqlite+aiosqlite:///{tmp_path / 'sqlite' / region.value}.db")
    yield make
    for store in opened:
        await store.close()


@pytest.fixture
async def store(store_factory: StoreFactory) -> SqlRecordStore:
    """An empty Tianjin store, once per backend."""
    return await store_factory(Region.TIANJIN)
