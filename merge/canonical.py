"""The canonical JSON form of a report and its SHA-256 digest: what gets signed and verified.

Canonical means: the JSON document the broker serves (``model_dump(mode="json", by_alias=True)``), encoded
as UTF-8 with object keys sorted, no insignificant whitespace and non-ASCII characters written as themselves
(``"市场监管"``, not ``"\\u5e02..."``). Decimals are strings (``"0.5"``: no float rounding), dates and datetimes
ISO 8601, as pydantic's JSON mode writes them.

Two reports equal as models give the same bytes, however they were built; any change to any field changes
the digest. (The key order is the sorted one, close to RFC 8785's for our ASCII keys; numbers are integers
or short decimals, where the two agree.)
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Any

import orjson
from pydantic import BaseModel

from merge.merging import collection_paused
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty
from merge.report import MatrixCell, MatrixRow, Report, ReportRecord, ReportRecords
from merge.report_records import item_dicts

DIGEST_PREFIX = "sha256:"
_FIELDS = attrgetter("__dict__")


def canonical_json_of(document: object) -> bytes:
    """Canonical bytes of an already JSON-shaped document (dicts, lists, str, int, float, bool, None).

    Used by verifiers that hold the served JSON rather than the model.
    """
    # orjson writes what json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")) writes for
    # these documents (the tests compare the two) five to ten times faster: 10,000 records are about 10 MB.
    # (They differ only on floats below 1e-4, which a report never holds, and on NaN, which orjson writes as
    # null: the report models refuse NaN and infinities.)
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def canonical_json(report: Report) -> bytes:
    """The report's canonical JSON bytes: ``canonical_json_of(report.model_dump(mode="json", by_alias=True))``.

    Records are most of a report, and having pydantic build a JSON-mode dict of each one was most of the cost
    (about 10 ms per 1,000 records). A record's fields are plain values orjson writes exactly as pydantic's JSON
    mode does (str and StrEnum as the string, ``date`` as ISO 8601, tuples as arrays, ``None``, bool, int;
    ``Decimal`` as ``str()``, through ``default``), so the record models' own ``__dict__`` is handed to orjson
    as it is. The matrix (45 rows of three cells) is handed over the same way: pydantic's serializer spent most
    of a small report's canonicalisation there. Only while :func:`_plain_records` holds (no alias, serializer or
    non-plain field type on a record or matrix model); otherwise the general path is taken.
    """
    if not _plain_records():
        return canonical_json_of(report.model_dump(mode="json", by_alias=True))
    with collection_paused():
        document = report.model_dump(mode="json", by_alias=True, exclude={"records", "matrix"})
        document["matrix"] = [
            {
                "domain": row.domain,
                "domain_name": row.domain_name,
                "cells": dict(zip(row.cells, map(_FIELDS, row.cells.values()), strict=True)),
            }
            for row in report.matrix
        ]
        # A record model's __dict__ holds exactly its fields (a test compares the result with model_dump for
        # every record kind). Each item is built from the report's record columns, map by map in C: orjson then
        # calls back only for Decimals, where a callback per record cost more.
        items = report.records if isinstance(report.records, ReportRecords) else ReportRecords.of(report.records)
        records, reported_by, minor, repaired = items.columns()
        wrappers = item_dicts(list(map(_FIELDS, records)), reported_by, minor, repaired)
        document["records"] = wrappers
        del items, records, reported_by, minor, repaired
        body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS, default=_decimal)
        # Freed before the collector is back on, they are not counted towards (and do not trigger) a collection.
        del document, wrappers
        return body


def _decimal(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)  # pydantic's JSON mode writes a Decimal as its str()
    raise TypeError(f"not JSON serialisable in a record: {type(value).__name__}")


_PLAIN_TYPES = {"str", "int", "bool", "date", "decimal", "enum", "literal", "nullable", "default", "tuple"}


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


def digest_of(canonical: bytes) -> str:
    """``"sha256:" + hex`` of canonical bytes (when they were computed already)."""
    return DIGEST_PREFIX + hashlib.sha256(canonical).hexdigest()


def digest(report: Report) -> str:
    """``"sha256:" + hex`` of :func:`canonical_json`."""
    return digest_of(canonical_json(report))
