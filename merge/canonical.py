"""The canonical JSON form of a report and its SHA-256 digest: what gets signed and verified.

Canonical means: the JSON document the broker serves (``model_dump(mode="json", by_alias=True)``), encoded
as UTF-8 with object keys sorted, no insignificant whitespace and non-ASCII characters written as themselves
(``"市场监管"``, not ``"\\u5e02..."``). Decimals are strings (``"0.5"``: no float rounding), dates and datetimes
ISO 8601, as pydantic's JSON mode writes them.

Two reports equal as models give the same bytes, however they were built; any change to any field changes
the digest. (The key order is the sorted one, close to RFC 8785's for our ASCII keys; numbers are integers
or short decimals, where the two agree.)

This module is the reference. The broker canonicalises with :func:`merge.fast.canonical.canonical_json`, which
writes the same bytes without pydantic's serializer (tests/merge/fast/test_merging.py).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:  # the report's parts (merge.signed_part) canonicalise with this module: no import cycle
    from merge.report import Report

DIGEST_PREFIX = "sha256:"


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
    """The report's canonical JSON bytes: the served document, canonically written."""
    return canonical_json_of(report.model_dump(mode="json", by_alias=True))


def digest_of(canonical: bytes) -> str:
    """``"sha256:" + hex`` of canonical bytes (when they were computed already)."""
    return DIGEST_PREFIX + hashlib.sha256(canonical).hexdigest()


def digest(report: Report) -> str:
    """``"sha256:" + hex`` of :func:`canonical_json`."""
    return digest_of(canonical_json(report))
