"""A region's subject lists: which enterprises an edition restricted to a list may be issued for.

Dongguan's financial edition (金融专用版) is for enterprises on a list kept for that purpose; an edition file says
so with ``subject_list = "financial"`` (:mod:`merge.edition_files`). Each node keeps its region's lists, imported
by its operator (``jjj adapter import-list FILE --list financial``: a CSV with 主体名称 and 统一社会信用代码, all
rows or none, replacing the list), and refuses a query for such an edition about a subject not on the list — or
while it holds no such list — so the region is reported ``refused`` with the reason, never clean.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, String, Table, delete, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.csv_rows import shown
from adapters.raw_sql import lock_schema, sqlite_pragmas
from adapters.store import normalise_url
from merge.identifiers import InvalidIdentifier, Subject, validate_uscc
from merge.regions import Region

lists_metadata = MetaData()

subject_lists = Table(
    "subject_lists",
    lists_metadata,
    Column("region_code", String(6), nullable=False),
    Column("list_name", String(32), nullable=False),
    Column("identifier", String(18), nullable=False),
    Column("name", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("region_code", "list_name", "identifier"),
)

NAME, USCC = "主体名称", "统一社会信用代码"


class SubjectLists(Protocol):
    """What a node asks of its lists (:class:`SqlSubjectLists`)."""

    async def holds(self, list_name: str) -> bool: ...

    async def contains(self, list_name: str, subject: Subject) -> bool: ...


@dataclass(frozen=True, slots=True)
class ListEntry:
    identifier: str
    name: str


def parse_list(text: str) -> tuple[list[ListEntry], list[str]]:
    """The entries of a list file, or every problem (``line N, column: reason``); entries only without problems."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in (NAME, USCC) if name not in header]
    if missing:
        return [], [f"line 1, {name}: required column is missing" for name in missing]
    entries: list[ListEntry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for fields in reader:
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            problems.append(f"line {line}: has {len(fields)} fields, the header has {len(header)}")
            continue
        row = dict(zip(header, (field.strip() for field in fields), strict=True))
        if not row[NAME]:
            problems.append(f"line {line}, {NAME}: required")
        try:
            identifier = validate_uscc(row[USCC])
        except InvalidIdentifier as exc:
            problems.append(f"line {line}, {USCC}: {exc}")
            continue
        if identifier in seen:
            problems.append(f"line {line}, {USCC}: {shown(identifier)} appears twice")
        seen.add(identifier)
        entries.append(ListEntry(identifier, row[NAME]))
    return ([] if problems else entries), problems


class SqlSubjectLists:
    """One region's lists in its SQL database (the record store's URL)."""

    def __init__(self, engine: AsyncEngine, region: Region) -> None:
        self._engine = engine
        self.region = region

    @classmethod
    async def open(cls, db_url: str, region: Region) -> SqlSubjectLists:
        engine = create_async_engine(make_url(normalise_url(db_url)))
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        try:
            async with engine.begin() as conn:
                await lock_schema(conn)
                await conn.run_sync(lists_metadata.create_all)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, region)

    async def close(self) -> None:
        await self._engine.dispose()

    async def replace(self, list_name: str, entries: list[ListEntry]) -> int:
        """Make ``list_name`` exactly ``entries`` (one transaction); returns how many it holds."""
        now = datetime.now(UTC)
        where = (subject_lists.c.region_code == self.region.code) & (subject_lists.c.list_name == list_name)
        async with self._engine.begin() as conn:
            await conn.execute(delete(subject_lists).where(where))
            if entries:
                rows = [
                    {"region_code": self.region.code, "list_name": list_name, "identifier": e.identifier,
                     "name": e.name, "added_at": now}
                    for e in entries
                ]  # fmt: skip
                await conn.execute(insert(subject_lists), rows)
        return len(entries)

    async def holds(self, list_name: str) -> bool:
        query = select(subject_lists.c.identifier).where(
            subject_lists.c.region_code == self.region.code, subject_lists.c.list_name == list_name
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query.limit(1))).first() is not None

    async def contains(self, list_name: str, subject: Subject) -> bool:
        query = select(subject_lists.c.identifier).where(
            subject_lists.c.region_code == self.region.code,
            subject_lists.c.list_name == list_name,
            subject_lists.c.identifier == subject.identifier,
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first() is not None


async def import_list(lists: SqlSubjectLists, path: Path, list_name: str) -> tuple[int, list[str]]:
    """Replace ``list_name`` with the file's entries if every row is good: (entries held, problems)."""
    from adapters.csv_import import read_text

    entries, problems = parse_list(read_text(path))
    if problems:
        return 0, problems
    return await lists.replace(list_name, entries), []


async def list_refusal(lists: SubjectLists | None, list_name: str, subject: Subject) -> str | None:
    """Why a node refuses an edition restricted to ``list_name`` for ``subject``, or ``None`` when it is listed."""
    if lists is None or not await lists.holds(list_name):
        return f"edition: this node holds no {list_name!r} list, so it issues that edition for no one"
    if not await lists.contains(list_name, subject):
        return f"edition: the subject is not on this region's {list_name!r} list"
    return None
