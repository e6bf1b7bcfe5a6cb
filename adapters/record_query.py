"""The SQL of one subject's records: one statement for all three record kinds, read in pages.

Each kind's table is selected into one shape — ``kind``, ``event_date`` (the sort key) and the union of every
kind's record columns, ``NULL`` where a kind has no such column — and the three are joined with ``UNION ALL`` and
ordered newest event first, then by ``record_id`` (then ``kind``, so the order is total). One statement, one
round trip, and the database does the merge the store used to do over three cursors on three connections.

Pages are read by keyset: the next page starts after the last row of the previous one, so no cursor (nor any
connection) stays open between pages, and memory holds one page whatever the subject's size. Each page is its
own snapshot: a row imported between two pages may or may not be read, never twice.

Which rows count for a window (as in :meth:`adapters.store.SqlRecordStore.query`): penalties decided within it;
list entries, coercive measures and licences also when they began earlier and had not ended by its start.

On PostgreSQL ``record_id`` is compared and ordered under ``COLLATE "C"`` (code point order, as Python and SQLite
compare strings), whatever the database's default collation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from adapters.raw_sql import RawStatement
from adapters.schema import coercive_measures, dishonesty_list_entries, licences, penalties
from merge.identifiers import SubjectKind
from merge.records import RecordKind

PAGE_ROWS = 1000

# kind → (table, event-date column, end-of-force column or None)
KIND_TABLES: dict[RecordKind, tuple[Table, str, str | None]] = {
    RecordKind.PENALTY: (penalties, "decision_date", None),
    RecordKind.DISHONESTY_LIST_ENTRY: (dishonesty_list_entries, "listed_on", "removed_on"),
    RecordKind.COERCIVE_MEASURE: (coercive_measures, "decided_on", "lifted_on"),
    # A licence counts for a window while in force in it: granted by its end, not expired by its start.
    RecordKind.LICENCE: (licences, "decided_on", "valid_until"),
}
#: Stored but not part of a record: the natural key (the record has it as a property) and the region (the store's).
_NOT_SELECTED = frozenset({"dedup_key", "region_code"})


@cache
def _column_types() -> dict[str, Any]:
    return {c.name: c.type for table, _, _ in KIND_TABLES.values() for c in table.columns}


@cache
def record_columns() -> tuple[str, ...]:
    """The columns every row of the statement has after ``kind`` and ``event_date``, in order."""
    names: list[str] = []
    for table, _, _ in KIND_TABLES.values():
        # str(): SQLAlchemy's names are a str subclass, which orjson refuses as a dict key.
        names += [str(c.name) for c in table.columns if c.name not in _NOT_SELECTED and c.name not in names]
    return tuple(names)


def _branch(kind: RecordKind, subject_kind: SubjectKind, postgres: bool, after: bool) -> Select[Any]:
    table, event, ends = KIND_TABLES[kind]
    event_column = table.c[event]
    record_id: ColumnElement[str] = table.c.record_id.collate("C") if postgres else table.c.record_id
    kind_value: ColumnElement[str] = literal_column(f"'{kind.value}'")
    subject_column = table.c.uscc if subject_kind is SubjectKind.ENTERPRISE else table.c.id_number
    window_from: ColumnElement[date] = bindparam("window_from")
    window_to: ColumnElement[date] = bindparam("window_to")
    in_window: ColumnElement[bool] = and_(event_column >= window_from, event_column <= window_to)
    if ends is not None:
        # Began before the window but still in force at its start (or never ended).
        end_column = table.c[ends]
        in_window = and_(
            event_column <= window_to, or_(event_column >= window_from, end_column.is_(None), end_column >= window_from)
        )
    conditions = [table.c.region_code == bindparam("region_code"), subject_column == bindparam("subject"), in_window]
    if after:
        last_date: ColumnElement[date] = bindparam("after_date")
        last_id: ColumnElement[str] = bindparam("after_id")
        conditions.append(
            or_(
                event_column < last_date,
                and_(
                    event_column == last_date,
                    or_(
                        record_id > last_id,
                        and_(record_id == last_id, kind_value > bindparam("after_kind", type_=String)),
                    ),
                ),
            )
        )
    # PostgreSQL types the columns of a UNION pairwise: a bare NULL in two branches would be text, then clash.
    columns = [
        table.c[name] if name in table.c else cast(null(), _column_types()[name]) if postgres else null()
        for name in record_columns()
    ]
    selected = [
        kind_value.label("kind"),
        event_column.label("event_date"),
        *(column.label(name) for column, name in zip(columns, record_columns(), strict=True)),
    ]
    selected[2 + record_columns().index("record_id")] = record_id.label("record_id")
    return select(*selected).where(*conditions)


@cache
def page_statement(dialect: str, subject_kind: SubjectKind, after: bool) -> RawStatement:
    """The statement of a first page (``after=False``) or of a page after a given row, compiled for ``dialect``.

    Parameters: ``region_code``, ``subject``, ``window_from``, ``window_to`` (dates), ``page_rows`` and, after a
    row, ``after_date``, ``after_id``, ``after_kind``.
    """
    postgres = dialect == "postgresql"
    branches = [_branch(kind, subject_kind, postgres, after) for kind in KIND_TABLES]
    statement = (
        union_all(*branches)
        .order_by(literal_column("event_date").desc(), literal_column("record_id"), literal_column("kind"))
        .limit(bindparam("page_rows", type_=Integer))
    )
    return RawStatement.compile(statement, dialect)


def page_params(
    region_code: str,
    subject: str,
    window_from: date,
    window_to: date,
    last: Sequence[Any] | None,
    page_rows: int = PAGE_ROWS,
) -> dict[str, Any]:
    """Parameters of the next page's statement; ``last`` is the previous page's last row (None for the first)."""
    params: dict[str, Any] = {
        "region_code": region_code,
        "subject": subject,
        "window_from": window_from,
        "window_to": window_to,
        "page_rows": page_rows,
    }
    if last is not None:
        event_date = last[1]
        params["after_date"] = event_date if isinstance(event_date, date) else date.fromisoformat(event_date)
        params["after_id"] = last[2 + record_columns().index("record_id")]
        params["after_kind"] = last[0]
    return params
