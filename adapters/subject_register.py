"""The subjects a region has registered: their registered name and status, as the node states them in every answer.

A report used to take the subject's name from its records, so a clean enterprise's report named nobody
("（各地区均未报送主体名称）"). The node knows its registered subjects: this register holds them, beside the records in
the node's own database (its own table, created when missing: nothing is migrated by hand), filled by
``jjj adapter seed`` (every seeded subject, with or without records) and ``jjj adapter import`` (the subjects the
file names, as not registered here unless already known).

:meth:`SqlSubjectRegister.lookup` answers for one subject; a subject the register does not hold is
``not_registered``, and the node then names it as its newest record does (or not at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, String, Table, Text, bindparam, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.raw_sql import RawDb, RawStatement, lock_schema, open_raw_db, sqlite_pragmas
from adapters.store import normalise_url
from merge.answer_document import SubjectStatus
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region

register_metadata = MetaData()

subjects = Table(
    "registered_subjects",
    register_metadata,
    Column("region_code", String(6), nullable=False),
    Column("identifier", String(18), nullable=False, comment="统一社会信用代码 / 居民身份证号码"),
    Column("kind", String(12), nullable=False),
    Column("name", Text, nullable=False, comment="登记名称"),
    Column("status", String(16), nullable=False, comment="登记状态"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("region_code", "identifier", name="pk_registered_subjects"),
)


_LOOKUP = select(subjects.c.name, subjects.c.status).where(
    subjects.c.region_code == bindparam("region_code"), subjects.c.identifier == bindparam("identifier")
)


@dataclass(frozen=True, slots=True)
class RegisteredSubject:
    kind: SubjectKind
    identifier: str
    name: str
    status: SubjectStatus


class SqlSubjectRegister:
    """One region's register in its SQL database (the record store's URL). Open with :meth:`open`."""

    def __init__(self, engine: AsyncEngine, region: Region, raw: RawDb | None = None) -> None:
        self._engine = engine
        self.region = region
        # The per-query lookup runs on the raw driver (adapters/raw_sql.py: a fifth of the SQLAlchemy engine's CPU);
        # writes stay on the engine.
        self._raw = raw
        self._lookup = RawStatement.compile(_LOOKUP, raw.dialect) if raw is not None else None

    @classmethod
    async def open(cls, db_url: str, region: Region) -> SqlSubjectRegister:
        engine = create_async_engine(make_url(normalise_url(db_url)))
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        raw: RawDb | None = None
        try:
            async with engine.begin() as conn:
                await lock_schema(conn)
                await conn.run_sync(register_metadata.create_all)
            if engine.dialect.name == "postgresql" or engine.url.database not in (None, "", ":memory:"):
                raw = await open_raw_db(engine.url, size=2)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, region, raw)

    async def close(self) -> None:
        if self._raw is not None:
            await self._raw.close()
        await self._engine.dispose()

    def _insert(self) -> Any:
        return (pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert)(subjects)

    async def register(self, entries: Iterable[RegisteredSubject], *, replace: bool = True) -> None:
        """Write ``entries`` in one transaction; with ``replace=False`` an entry already held is kept as it is."""
        now = datetime.now(UTC)
        rows = [
            {"region_code": self.region.code, "identifier": e.identifier, "kind": e.kind.value, "name": e.name,
             "status": e.status.value, "updated_at": now}
            for e in entries
        ]  # fmt: skip
        if not rows:
            return
        stmt = self._insert()
        if replace:
            keys = [subjects.c.region_code, subjects.c.identifier]
            changed = {name: stmt.excluded[name] for name in ("kind", "name", "status", "updated_at")}
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=changed)
        else:
            stmt = stmt.on_conflict_do_nothing()
        async with self._engine.begin() as conn:
            await conn.execute(stmt, rows)

    async def lookup(self, subject: Subject) -> RegisteredSubject | None:
        """The register's entry for ``subject``, or ``None`` when the region has not registered it."""
        if self._raw is not None and self._lookup is not None:
            params = {"region_code": self.region.code, "identifier": subject.identifier}
            found = await self._raw.fetch(self._lookup, params)
            if not found:
                return None
            name, status = found[0]
            return RegisteredSubject(subject.kind, subject.identifier, name, SubjectStatus(status))
        query = select(subjects.c.name, subjects.c.status).where(
            subjects.c.region_code == self.region.code, subjects.c.identifier == subject.identifier
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return RegisteredSubject(subject.kind, subject.identifier, row.name, SubjectStatus(row.status))
