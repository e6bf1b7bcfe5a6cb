"""A regional node's record store: SQLAlchemy 2 async over SQLite (default) or PostgreSQL.

Contracts:

* :meth:`SqlRecordStore.add_records` writes in one transaction, idempotently: the natural key is region +
  record kind (the table) + the record's ``dedup_key``; rows already present are left untouched
  (``INSERT … ON CONFLICT DO NOTHING``) and the call returns how many were new.
* :meth:`SqlRecordStore.query_rows` reads one subject's records, newest event first then by ``record_id``, as
  pages of plain rows (:data:`adapters.record_rows.RecordRow`, each the JSON form of its record model): one
  statement per page of up to :data:`adapters.record_query.PAGE_ROWS` records, on the raw driver
  (:mod:`adapters.raw_sql`), no connection held between pages. :meth:`SqlRecordStore.query` is the same read as
  record models. Edition rules are *not* applied here (the node applies :func:`merge.edition_rules.shows`, or
  :mod:`adapters.row_rules` on rows).
* The store holds one region's data; records of another region are refused.

Writes and schema creation go through SQLAlchemy's engine; the per-query reads through the raw driver.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Table, event, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapters.raw_sql import RawDb, RawStatement, lock_schema, open_raw_db, sqlite_pragmas
from adapters.record_query import KIND_TABLES, PAGE_ROWS, page_params, page_statement
from adapters.record_rows import RecordRow, record_rows
from adapters.record_updates import UpsertCounts, history, upsert
from adapters.schema import CATEGORY_SEPARATOR, meta, metadata
from merge.identifiers import Subject
from merge.records import CoerciveMeasure, DishonestyListEntry, Licence, Penalty, Record
from merge.regions import Region

_KEY_SEPARATOR = "\x1f"
_MODELS: dict[str, type[Penalty | DishonestyListEntry | CoerciveMeasure | Licence]] = {
    model.model_fields["kind"].default.value: model
    for model in (Penalty, DishonestyListEntry, CoerciveMeasure, Licence)
}
_META = select(meta.c.key, meta.c.value).where(or_(meta.c.key == "created_at", meta.c.key == "data_as_of"))


def record_id_for(dedup_key: Sequence[str]) -> str:
    """The deterministic record id of a natural key: 32 lowercase hex digits (sorts the same in every database)."""
    return hashlib.sha256(_KEY_SEPARATOR.join(dedup_key).encode()).hexdigest()[:32]


def normalise_url(url: str) -> str:
    """A SQLAlchemy async URL from ``sqlite+aiosqlite:///x.db``, ``postgresql[+asyncpg]://…``, ``sqlite:///x.db``
    or a bare file path (taken as a SQLite file)."""
    if "://" not in url:
        return f"sqlite+aiosqlite:///{url}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if scheme not in ("postgresql+asyncpg", "sqlite+aiosqlite"):
        raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite+aiosqlite or postgresql+asyncpg")
    return url


def _to_row(record: Record) -> tuple[Table, dict[str, Any]]:
    table = KIND_TABLES[record.kind][0]
    row: dict[str, Any] = {}
    for name, value in record.model_dump(exclude={"kind"}).items():
        if name == "categories":
            value = CATEGORY_SEPARATOR.join(category.value for category in value)
        elif isinstance(value, StrEnum):
            value = value.value
        row[name] = value
    row["dedup_key"] = _KEY_SEPARATOR.join(record.dedup_key)
    return table, row


class SqlRecordStore:
    """One region's records in a SQL database. Open with :meth:`open`, release with :meth:`close`."""

    def __init__(self, engine: AsyncEngine, raw: RawDb, region: Region) -> None:
        self._engine = engine
        self._raw = raw
        self.region = region
        self._meta = RawStatement.compile(_META, raw.dialect)

    @property
    def url(self) -> str:
        """The database URL in full (password included: do not log it; see :meth:`safe_url`)."""
        return self._engine.url.render_as_string(hide_password=False)

    @property
    def safe_url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @classmethod
    async def open(cls, url: str, region: Region) -> SqlRecordStore:
        """Connect, create the schema if missing and record the creation time.

        Raises :class:`ValueError` if the database already holds another region's data.
        """
        parsed = make_url(normalise_url(url))
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        raw: RawDb | None = None
        try:
            raw = await open_raw_db(parsed)
            store = cls(engine, raw, region)
            async with engine.begin() as conn:
                await lock_schema(conn)
                await conn.run_sync(metadata.create_all)
                now = datetime.now(UTC).isoformat()
                await conn.execute(
                    store._insert(meta).on_conflict_do_nothing(),
                    [{"key": "created_at", "value": now}, {"key": "region_code", "value": region.code}],
                )
                stored = await conn.scalar(select(meta.c.value).where(meta.c.key == "region_code"))
            if stored != region.code:
                raise ValueError(f"database {parsed.render_as_string()} holds region {stored}, not {region.code}")
        except BaseException:
            if raw is not None:
                await raw.close()
            await engine.dispose()
            raise
        return store

    async def close(self) -> None:
        await self._raw.close()
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _insert(self, table: Table) -> Any:
        return (pg_insert if self.dialect == "postgresql" else sqlite_insert)(table)

    async def add_records(self, records: Sequence[Record]) -> int:
        """Insert ``records`` in one transaction, skipping those already present; return how many were new."""
        rows: dict[Table, list[dict[str, Any]]] = {}
        for record in records:
            if record.region_code != self.region.code:
                raise ValueError(
                    f"record {record.record_id} belongs to region {record.region_code}, "
                    f"this store to {self.region.code}"
                )
            table, row = _to_row(record)
            rows.setdefault(table, []).append(row)
        new = 0
        async with self._engine.begin() as conn:
            for table, table_rows in rows.items():
                # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues"),
                # and only rows actually inserted come back, which is the count of new records.
                stmt = self._insert(table).on_conflict_do_nothing().returning(table.c.record_id)
                result = await conn.execute(stmt, table_rows)
                new += len(result.all())
            await self._touch(conn)
        return new

    async def update_records(self, records: Sequence[Record], *, source: str) -> UpsertCounts:
        """Like :meth:`add_records`, but a record already present whose content differs is updated, each changed
        field kept in ``record_changes`` (:mod:`adapters.record_updates`); one transaction."""
        rows: dict[Table, tuple[str, list[dict[str, Any]]]] = {}
        for record in records:
            if record.region_code != self.region.code:
                raise ValueError(f"record {record.record_id} belongs to region {record.region_code}")
            table, row = _to_row(record)
            rows.setdefault(table, (record.kind.value, []))[1].append(row)
        totals = UpsertCounts()
        async with self._engine.begin() as conn:
            for table, (kind, table_rows) in rows.items():
                counts = await upsert(conn, table, kind, table_rows, region_code=self.region.code, source=source)
                totals = UpsertCounts(
                    totals.added + counts.added, totals.changed + counts.changed, totals.unchanged + counts.unchanged
                )
            await self._touch(conn)
        return totals

    async def record_history(self, record_id: str) -> list[dict[str, Any]]:
        """The changes imports made to ``record_id``, oldest first."""
        async with self._engine.connect() as conn:
            return await history(conn, self.region.code, record_id)

    async def _touch(self, conn: AsyncConnection) -> None:
        stmt = self._insert(meta).values(key="data_as_of", value=datetime.now(UTC).isoformat())
        await conn.execute(stmt.on_conflict_do_update(index_elements=[meta.c.key], set_={"value": stmt.excluded.value}))

    async def data_as_of(self) -> datetime:
        """When the data was last imported or seeded, else when the store was created (timezone-aware).

        Read it before the records it describes: then no record read is older than what it claims."""
        values = {key: value for key, value in await self._raw.fetch(self._meta, {})}
        return datetime.fromisoformat(values.get("data_as_of") or values["created_at"])

    async def count(self) -> int:
        """How many records of this region the store holds, all kinds together."""
        total = 0
        async with self._engine.connect() as conn:
            for table, *_ in KIND_TABLES.values():
                stmt = select(func.count()).select_from(table).where(table.c.region_code == self.region.code)
                total += int(await conn.scalar(stmt) or 0)
        return total

    async def query_rows(
        self, subject: Subject, window_from: date, window_to: date, *, page_rows: int = PAGE_ROWS
    ) -> AsyncGenerator[list[RecordRow]]:
        """``subject``'s records for the window (inclusive) as pages of rows, newest event first, then by
        ``record_id``: every page but the last holds ``page_rows`` rows, and none is empty.

        Penalties count when decided within the window; list entries and coercive measures also when they began
        earlier but had not ended by ``window_from``. No connection is held while a page is with the caller, so
        stopping early (or being cancelled) leaves nothing open.
        """
        if page_rows < 1:
            raise ValueError("page_rows: must be at least 1")
        last: Sequence[Any] | None = None
        while True:
            statement = page_statement(self._raw.dialect, subject.kind, last is not None)
            params = page_params(self.region.code, subject.identifier, window_from, window_to, last, page_rows)
            rows = await self._raw.fetch(statement, params)
            if rows:
                yield record_rows(rows, self._raw.dialect, self.region.code)
            if len(rows) < page_rows:
                return
            last = rows[-1]

    async def query(self, subject: Subject, window_from: date, window_to: date) -> AsyncGenerator[Record]:
        """:meth:`query_rows` as record models, one at a time (:class:`adapters.server.RecordSource`)."""
        async for page in self.query_rows(subject, window_from, window_to):
            for row in page:
                yield _MODELS[row["kind"]].model_validate(row)
