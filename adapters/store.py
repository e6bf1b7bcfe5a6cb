"""A regional node's record store: SQLAlchemy 2 async over SQLite (default) or PostgreSQL.

Contracts:

* :meth:`SqlRecordStore.add_records` writes in one transaction, idempotently: the natural key is region +
  record kind (the table) + the record's ``dedup_key``; rows already present are left untouched
  (``INSERT … ON CONFLICT DO NOTHING``) and the call returns how many were new.
* :meth:`SqlRecordStore.query` streams one subject's records, newest event first then by ``record_id``, without
  ever holding them all in memory. Edition rules are *not* applied here (the gRPC server applies
  :func:`merge.edition_rules.shows`).
* The store holds one region's data; records of another region are refused.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Select, Table, and_, event, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapters.schema import coercive_measures, dishonesty_list_entries, meta, metadata, penalties
from merge.identifiers import Subject, SubjectKind
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, Record, RecordKind
from merge.regions import Region

_KEY_SEPARATOR = "\x1f"
_CATEGORY_SEPARATOR = "、"
_STREAM_BATCH = 500

# kind → (table, model, event-date column, end-of-force column or None)
_KINDS: dict[RecordKind, tuple[Table, type[Penalty | DishonestyListEntry | CoerciveMeasure], str, str | None]] = {
    RecordKind.PENALTY: (penalties, Penalty, "decision_date", None),
    RecordKind.DISHONESTY_LIST_ENTRY: (dishonesty_list_entries, DishonestyListEntry, "listed_on", "removed_on"),
    RecordKind.COERCIVE_MEASURE: (coercive_measures, CoerciveMeasure, "decided_on", "lifted_on"),
}


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a node keep answering queries while an import or seed writes; wait for a writer, don't fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not on every commit: still never corrupt, and a commit costs no
    # fsync (a power cut may lose the last commits, never half of one).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _to_row(record: Record) -> tuple[Table, dict[str, Any]]:
    table = _KINDS[record.kind][0]
    row: dict[str, Any] = {}
    for name, value in record.model_dump(exclude={"kind"}).items():
        if name == "categories":
            value = _CATEGORY_SEPARATOR.join(category.value for category in value)
        elif isinstance(value, StrEnum):
            value = value.value
        row[name] = value
    row["dedup_key"] = _KEY_SEPARATOR.join(record.dedup_key)
    return table, row


def _from_row(kind: RecordKind, row: dict[str, Any]) -> Record:
    model = _KINDS[kind][1]
    row.pop("dedup_key", None)
    if kind is RecordKind.PENALTY:
        row["categories"] = tuple(c for c in row["categories"].split(_CATEGORY_SEPARATOR) if c)
    return model.model_validate(row)


class SqlRecordStore:
    """One region's records in a SQL database. Open with :meth:`open`, release with :meth:`close`."""

    def __init__(self, engine: AsyncEngine, region: Region) -> None:
        self._engine = engine
        self.region = region

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
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        store = cls(engine, region)
        try:
            async with engine.begin() as conn:
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
            await engine.dispose()
            raise
        return store

    async def close(self) -> None:
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

    async def _touch(self, conn: AsyncConnection) -> None:
        stmt = self._insert(meta).values(key="data_as_of", value=datetime.now(UTC).isoformat())
        await conn.execute(stmt.on_conflict_do_update(index_elements=[meta.c.key], set_={"value": stmt.excluded.value}))

    async def data_as_of(self) -> datetime:
        """When the data was last imported or seeded, else when the store was created (timezone-aware)."""
        async with self._engine.connect() as conn:
            values = {key: value for key, value in await conn.execute(select(meta.c.key, meta.c.value))}
        return datetime.fromisoformat(values.get("data_as_of") or values["created_at"])

    async def count(self) -> int:
        """How many records of this region the store holds, all kinds together."""
        total = 0
        async with self._engine.connect() as conn:
            for table, *_ in _KINDS.values():
                stmt = select(func.count()).select_from(table).where(table.c.region_code == self.region.code)
                total += int(await conn.scalar(stmt) or 0)
        return total

    def _select(self, kind: RecordKind, subject: Subject, window_from: date, window_to: date) -> Select[Any]:
        table, _, event, ends = _KINDS[kind]
        subject_column = table.c.uscc if subject.kind is SubjectKind.ENTERPRISE else table.c.id_number
        event_column = table.c[event]
        in_window: Any = and_(event_column >= window_from, event_column <= window_to)
        if ends is not None:
            # Began before the window but still in force at its start (or never ended): the subject is still
            # listed / the measure still applies, so it belongs in the report.
            end_column = table.c[ends]
            in_window = and_(
                event_column <= window_to,
                or_(event_column >= window_from, end_column.is_(None), end_column >= window_from),
            )
        return (
            select(table)
            .where(table.c.region_code == self.region.code, subject_column == subject.identifier, in_window)
            .order_by(event_column.desc(), table.c.record_id)
        )

    async def query(self, subject: Subject, window_from: date, window_to: date) -> AsyncGenerator[Record]:
        """Stream ``subject``'s records for the window (inclusive), newest event first, then by ``record_id``.

        Penalties count when decided within the window; list entries and coercive measures also when they began
        earlier but had not ended by ``window_from``. Each kind is read through its own server-side cursor and the
        three ordered streams are merged, so memory stays at a few batches whatever the record count.
        Close the iterator if you stop early (``contextlib.aclosing``) so its connections return to the pool.
        """
        async with AsyncExitStack() as stack:
            streams: list[AsyncIterator[Record]] = []
            for kind in _KINDS:
                conn = await stack.enter_async_context(self._engine.connect())
                result = await conn.stream(self._select(kind, subject, window_from, window_to))
                stack.push_async_callback(result.close)
                rows = _records(kind, result.mappings().partitions(_STREAM_BATCH))
                stack.push_async_callback(rows.aclose)
                streams.append(rows)
            heads: list[tuple[tuple[int, str], int, Record]] = []
            for index, stream in enumerate(streams):
                await _push(heads, index, stream)
            while heads:
                _, index, record = heapq.heappop(heads)
                yield record
                await _push(heads, index, streams[index])


def _order_key(record: Record) -> tuple[int, str]:
    return (-record.event_date.toordinal(), record.record_id)


async def _push(heads: list[tuple[tuple[int, str], int, Record]], index: int, stream: AsyncIterator[Record]) -> None:
    record = await anext(stream, None)
    if record is not None:
        heapq.heappush(heads, (_order_key(record), index, record))


async def _records(kind: RecordKind, partitions: AsyncIterator[Sequence[Any]]) -> AsyncGenerator[Record]:
    async for partition in partitions:
        for row in partition:
            yield _from_row(kind, dict(row))
