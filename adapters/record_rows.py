"""Rows of :mod:`adapters.record_query` as plain records: the JSON form of each record model, with no model built.

A :data:`RecordRow` is exactly ``record.model_dump(mode="json")`` of the record the row stores (tests hold the
two together on both databases): every field of the record's model, ``kind`` and ``region_code`` included; dates
as ISO strings, amounts as decimal strings (normalised as :func:`adapters.schema.normalise_amount` does), enums
as their values, ``categories`` as a list of strings, ``None`` for what is not given. That is what an encoder of
canonical JSON wants: ``orjson.dumps(row, option=orjson.OPT_SORT_KEYS)`` needs no ``default``.

What differs by database is settled once per kind and dialect: PostgreSQL gives ``date``/``Decimal``/``bool``
objects, SQLite ISO text (as SQLAlchemy stored it), decimal text and 0/1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Date

from adapters.record_query import KIND_TABLES, record_columns
from adapters.schema import CATEGORY_SEPARATOR, Amount, normalise_amount

RecordRow = dict[str, Any]


def _amount(value: Any) -> str:
    return str(normalise_amount(value))


def _categories(value: str) -> list[str]:
    return [category for category in value.split(CATEGORY_SEPARATOR) if category]


class _KindPlan(NamedTuple):
    kind: str
    names: tuple[str, ...]
    values: Callable[[Sequence[Any]], tuple[Any, ...]]
    #: (field, conversion) for the fields whose stored value is not already the JSON value (None stays None).
    conversions: tuple[tuple[str, Callable[[Any], Any]], ...]


@cache
def _plans(dialect: str) -> dict[str, _KindPlan]:
    postgres = dialect == "postgresql"
    offset = 2  # kind, event_date
    plans = {}
    for kind, (table, _, _) in KIND_TABLES.items():
        names = tuple(name for name in record_columns() if name in table.c)
        positions = [offset + record_columns().index(name) for name in names]
        conversions: list[tuple[str, Callable[[Any], Any]]] = []
        for name in names:
            column_type = table.c[name].type
            if isinstance(column_type, Amount):
                conversions.append((name, _amount))
            elif isinstance(column_type, Date) and postgres:
                conversions.append((name, date.isoformat))
            elif isinstance(column_type, Boolean) and not postgres:
                conversions.append((name, bool))
            elif name == "categories":
                conversions.append((name, _categories))
        plans[kind.value] = _KindPlan(kind.value, names, itemgetter(*positions), tuple(conversions))
    return plans


def record_rows(rows: Iterable[Sequence[Any]], dialect: str, region_code: str) -> list[RecordRow]:
    """The records of a page of rows, in the page's order."""
    plans = _plans(dialect)
    records = []
    for row in rows:
        plan = plans[row[0]]
        record = dict(zip(plan.names, plan.values(row), strict=True))
        for name, convert in plan.conversions:
            value = record[name]
            if value is not None:
                record[name] = convert(value)
        record["kind"] = plan.kind
        record["region_code"] = region_code
        records.append(record)
    return records
