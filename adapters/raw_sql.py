"""The query path's database access: statements written in SQLAlchemy Core, compiled once, run on the raw driver.

Why: per query a node reads one subject's records and writes one warrant-log row. Through SQLAlchemy's async
engine each statement cost 350–500 µs of CPU (greenlet switches, pool checkout and its reset round trip,
result-object machinery, for aiosqlite one thread hop per call); the same statement on the driver costs 80–100 µs
(bench/node_bench.py). The statements stay SQLAlchemy Core built from :mod:`adapters.schema`, compiled for the
dialect with SQLAlchemy's own bind processing, so the schema remains the one definition.

Contracts:

* :func:`open_raw_db` opens a :class:`RawDb` for a node database URL: an asyncpg pool for PostgreSQL, a few
  aiosqlite connections for a SQLite file (in-memory SQLite is refused: readers and writers must share a file).
* Every statement runs on its own, in autocommit: one statement is one transaction, which is all the query path
  needs. A connection is held for one statement only and is back in the pool when :meth:`RawDb.fetch` returns or
  raises, also when the caller is cancelled (asyncpg cancels the statement; aiosqlite finishes it on its thread
  and the next caller waits behind it).
* Rows come back as the driver gives them (tuples, asyncpg ``Record``): no result processing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Executable, text
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite as sqlite_aiosqlite
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

#: Set on every SQLite connection (SQLAlchemy's and the raw ones). WAL: readers never wait for the writer, and a
#: commit appends to the log without an fsync under synchronous=NORMAL (never corrupt; a power cut may lose the
#: newest commits). Other processes sharing the file (replicas, an import) make a writer wait, not fail.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000")

#: Connections per pool: a query holds one for one statement, so a few serve many concurrent queries.
DEFAULT_POOL_SIZE = 4


@cache
def dialect_named(name: str) -> Dialect:
    """The dialect statements are compiled for: ``postgresql`` (asyncpg) or ``sqlite`` (aiosqlite)."""
    if name == "postgresql":
        return postgresql_asyncpg.dialect()  # type: ignore[no-untyped-call]
    if name == "sqlite":
        return sqlite_aiosqlite.dialect()
    raise ValueError(f"dialect: {name!r} is neither postgresql nor sqlite")


#: The PostgreSQL advisory lock key the node's processes take while creating tables (any constant; ours: "jjj").
SCHEMA_LOCK_KEY = 0x6A6A6A


async def lock_schema(conn: AsyncConnection) -> None:
    """Serialise table creation between processes starting together on one PostgreSQL database (replicas).

    ``CREATE TABLE IF NOT EXISTS`` is not safe against a concurrent one there: both see no table, one fails on
    the catalogue's unique index. A transaction-scoped advisory lock makes the second wait and then see the table.
    SQLite serialises writers itself; nothing to do there. Call first inside the ``engine.begin()`` block."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """SQLAlchemy ``connect`` listener (and helper) applying :data:`SQLITE_PRAGMAS`."""
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@dataclass(frozen=True, slots=True)
class RawStatement:
    """A Core statement compiled for one dialect: SQL text, its positional parameter names, their processors."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    defaults: Mapping[str, Any]

    @classmethod
    def compile(cls, statement: Executable, dialect_name: str) -> RawStatement:
        if not isinstance(statement, ClauseElement):
            raise TypeError("statement: not a Core statement")
        dialect = dialect_named(dialect_name)
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError("statement: not a SQL statement")
        if "__[POSTCOMPILE" in compiled.string:
            raise ValueError("statement: expanding parameters (IN lists) are not supported; use fixed ones")
        names = tuple(compiled.positiontup or ())
        processors = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        return cls(compiled.string, names, processors, dict(compiled.params))

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """Positional arguments for ``params`` (by bind name; unnamed binds keep their compiled values)."""
        values = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = params[name] if name in params else self.defaults[name]
            values.append(value if process is None or value is None else process(value))
        return tuple(values)


class RawDb(Protocol):
    """One node database on its raw driver; see the module docstring."""

    #: ``postgresql`` or ``sqlite``
    dialect: str

    async def fetch(self, statement: RawStatement, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]: ...

    async def close(self) -> None: ...


class _PostgresDb:
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def fetch(self, statement: RawStatement, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        # asyncpg prepares each SQL text once per connection and caches it: later calls are one round trip.
        rows: Sequence[Sequence[Any]] = await self._pool.fetch(statement.sql, *statement.args(params))
        return rows

    async def close(self) -> None:
        await self._pool.close()


async def _keep_session(_connection: asyncpg.Connection) -> None:
    # asyncpg's default reset on release (RESET ALL, UNLISTEN, …) is a round trip per statement; the query path
    # changes no session state. An open transaction is still rolled back by asyncpg before this is called.
    return None


class _SqliteDb:
    dialect = "sqlite"

    def __init__(self, connections: list[aiosqlite.Connection]) -> None:
        self._all = connections
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for connection in connections:
            self._idle.put_nowait(connection)

    @classmethod
    async def open(cls, path: str, size: int) -> _SqliteDb:
        # All at once, here: a connection opened on the query path could be lost to a cancellation mid-open.
        connections: list[aiosqlite.Connection] = []
        try:
            for _ in range(size):
                # Autocommit (isolation_level None): each statement is its own transaction.
                connection = await aiosqlite.connect(path, isolation_level=None)
                connections.append(connection)
                for pragma in SQLITE_PRAGMAS:
                    await connection.execute_fetchall(pragma)
        except BaseException:
            await cls(connections).close()
            raise
        return cls(connections)

    async def fetch(self, statement: RawStatement, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        connection = await self._idle.get()
        try:
            # execute + fetchall in one hop to the connection's thread.
            return list(await connection.execute_fetchall(statement.sql, statement.args(params)))
        finally:
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._all:
            with contextlib.suppress(Exception):
                await connection.close()
        self._all.clear()


async def open_raw_db(url: str | URL, *, size: int = DEFAULT_POOL_SIZE) -> RawDb:
    """A :class:`RawDb` for a normalised SQLAlchemy URL (``sqlite+aiosqlite`` or ``postgresql+asyncpg``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size, reset=_keep_session)
        return _PostgresDb(pool)
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("database: in-memory SQLite is not supported; give a file (readers and writers share it)")
    return await _SqliteDb.open(parsed.database, size)
