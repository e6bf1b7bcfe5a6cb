"""A report's canonical JSON, fast: :func:`merge.canonical.canonical_json`'s bytes without pydantic's serializer
for the records and the matrix.

Records are most of a report, and having pydantic build a JSON-mode dict of each one was most of the cost
(about 10 ms per 1,000 records). A record's fields are plain values orjson writes exactly as pydantic's JSON
mode does (str and StrEnum as the string, ``date`` as ISO 8601, tuples as arrays, ``None``, bool, int;
``Decimal`` as ``str()``, through ``default``), so the record models' own ``__dict__`` is handed to orjson as it
is. The matrix (45 rows of three cells) is handed over the same way: pydantic's serializer spent most of a small
report's canonicalisation there. Only while :func:`_plain_records` holds (no alias, serializer or non-plain field
type on a record or matrix model, checked once from the schemas); otherwise the reference is used.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Any

import orjson
from pydantic import BaseModel

from merge import canonical
from merge.fast.report_records import ReportRecords
from merge.fast.trusted import item_dicts
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty
from merge.report import MatrixCell, MatrixRow, Report, ReportRecord

_FIELDS = attrgetter("__dict__")
_PLAIN_TYPES = {"str", "int", "bool", "date", "decimal", "enum", "literal", "nullable", "default", "tuple"}


def canonical_json(report: Report) -> bytes:
    """:func:`merge.canonical.canonical_json`, fast: the same bytes."""
    if not _plain_records():
        return canonical.canonical_json(report)
    document = report.model_dump(mode="json", by_alias=True, exclude={"records", "matrix"})
    document["matrix"] = [
        {
            "domain": row.domain,
            "domain_name": row.domain_name,
            "cells": dict(zip(row.cells, map(_FIELDS, row.cells.values()), strict=True)),
        }
        for row in report.matrix
    ]
    # A record model's __dict__ holds exactly its fields (a test compares the result with model_dump for every
    # record kind). Each item is built from the report's record columns, map by map in C: orjson then calls back
    # only for Decimals, where a callback per record cost more.
    items = report.records if isinstance(report.records, ReportRecords) else ReportRecords.of(report.records)
    records, reported_by, minor, repaired = items.columns()
    document["records"] = item_dicts(list(map(_FIELDS, records)), reported_by, minor, repaired)
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS, default=_decimal)


def _decimal(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)  # pydantic's JSON mode writes a Decimal as its str()
    raise TypeError(f"not JSON serialisable in a record: {type(value).__name__}")


@cache
def _plain_records() -> bool:
    """Whether every record model, ReportRecord and the matrix models dump as their ``__dict__`` (checked once,
    from the schemas)."""
    models: tuple[type[BaseModel], ...] = (Penalty, DishonestyListEntry, CoerciveMeasure, MatrixCell)
    if set(ReportRecord.model_fields) != {"record", "reported_by", "minor", "repaired"}:
        return False
    if set(MatrixRow.model_fields) != {"domain", "domain_name", "cells"}:
        return False
    checked: tuple[type[BaseModel], ...] = (*models, ReportRecord, MatrixRow)
    for model in checked:
        decorators = model.__pydantic_decorators__
        if decorators.field_serializers or decorators.model_serializers or model.model_computed_fields:
            return False
        if any(f.alias or f.serialization_alias or f.exclude for f in model.model_fields.values()):
            return False
    return all(_plain_schema(model.__pydantic_core_schema__) for model in models)


def _plain_schema(schema: Any) -> bool:
    if schema.get("type") != "model" or schema["schema"].get("type") != "model-fields":
        return False
    fields = schema["schema"]["fields"]
    return all(_plain_field(field["schema"]) for field in fields.values())


def _plain_field(schema: dict[str, Any]) -> bool:
    if schema["type"] not in _PLAIN_TYPES or "serialization" in schema:
        return False
    if schema["type"] in ("nullable", "default"):
        return _plain_field(schema["schema"])
    if schema["type"] == "tuple":
        return all(_plain_field(item) for item in schema["items_schema"])
    return True
