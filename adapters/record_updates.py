"""Imports that update (issue 12): a re-imported record whose row changed replaces the stored one, and every
changed field is kept in ``record_changes`` (when, which import, old and new value).

A credit centre corrects its own data by importing the corrected file: a 双公示 row whose 信用修复状态 became
已修复, whose amount was corrected, or which was withdrawn (撤销) updates the record the file named before (same
authority USCC and decision number: the same ``record_id``). :func:`upsert` says how many records were added,
changed and unchanged; it runs in the caller's transaction, so an import is still all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.schema import metadata, normalise_amount

#: One row per changed field of a record, in the order the changes were made.
record_changes = Table(
    "record_changes",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("region_code", String(6), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("source", String(300), nullable=False, comment="what made the change: the imported file's name"),
    Column("field", String(64), nullable=False),
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Index("ix_record_changes_record", "region_code", "record_id"),
)

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class FieldChange:
    record_id: str
    field: str
    old_value: str | None
    new_value: str | None


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return normalise_amount(value)
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(_comparable(value))


def changes_of(old: dict[str, Any], new: dict[str, Any], record_id: str) -> list[FieldChange]:
    """The fields ``new`` states otherwise than ``old`` (both rows of one table), in column order of ``new``."""
    return [
        FieldChange(record_id, name, _text(old.get(name)), _text(value))
        for name, value in new.items()
        if _comparable(old.get(name)) != _comparable(value)
    ]


def _change_row(change: FieldChange, kind: str, region_code: str, now: datetime, source: str) -> dict[str, Any]:
    return {
        "region_code": region_code, "record_id": change.record_id, "kind": kind, "changed_at": now,
        "source": source[:300], "field": change.field, "old_value": change.old_value, "new_value": change.new_value,
    }  # fmt: skip


async def upsert(
    conn: AsyncConnection, table: Table, kind: str, rows: Sequence[dict[str, Any]], *, region_code: str, source: str
) -> UpsertCounts:
    """Insert the new rows, update the changed ones (their history in :data:`record_changes`), count the rest."""
    added = changed = unchanged = 0
    now = datetime.now(UTC)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        ids = [row["record_id"] for row in chunk]
        found = await conn.execute(
            select(table).where(and_(table.c.region_code == region_code, table.c.record_id.in_(ids)))
        )
        existing = {row.record_id: dict(row._mapping) for row in found}
        fresh = [row for row in chunk if row["record_id"] not in existing]
        if fresh:
            await conn.execute(insert(table), fresh)
            added += len(fresh)
        for row in chunk:
            old = existing.get(row["record_id"])
            if old is None:
                continue
            differences = changes_of(old, row, row["record_id"])
            if not differences:
                unchanged += 1
                continue
            changed += 1
            await conn.execute(
                update(table)
                .where(and_(table.c.region_code == region_code, table.c.record_id == row["record_id"]))
                .values({change.field: row[change.field] for change in differences})
            )
            await conn.execute(
                insert(record_changes), [_change_row(change, kind, region_code, now, source) for change in differences]
            )
    return UpsertCounts(added, changed, unchanged)


async def history(conn: AsyncConnection, region_code: str, record_id: str) -> list[dict[str, Any]]:
    """A record's changes, oldest first (for staff pages and tests)."""
    result = await conn.execute(
        select(record_changes)
        .where(and_(record_changes.c.region_code == region_code, record_changes.c.record_id == record_id))
        .order_by(record_changes.c.change_id)
    )
    return [dict(row._mapping) for row in result]
