"""Resident-ID masking (:mod:`merge.masking`'s rule) for all records of a report, after one pre-check.

The per-record check cost more than the rest of the merge, and in almost every report nothing needs masking:
:func:`all_masked` rules that out in one pass over all records' columns first. Only when a record may hold a full
resident ID does every record go through :func:`masked`, which reads the model's ``__dict__`` directly and
searches all its free text at once before looking field by field.
"""

from __future__ import annotations

import re
from functools import lru_cache

from merge.edition_rules import AnyRecord
from merge.fast.columns import Columns
from merge.identifiers import mask_resident_id
from merge.masking import RESIDENT_ID_SHAPE, is_resident_id

# What every resident ID contains: the pre-check of all_masked.
_DIGITS_17 = re.compile(rb"[0-9]{17}")

# A report repeats the same few numbers (the subject's own, mostly): the checksum is computed once for each.
_is_resident_id = lru_cache(maxsize=4096)(is_resident_id)


def _is_full_resident_id(id_type: str, number: str) -> bool:
    return "身份证" in id_type or _is_resident_id(number)


def _mask_match(match: re.Match[str]) -> str:
    return mask_resident_id(match[0]) if _is_resident_id(match[0]) else match[0]


def masked(record: AnyRecord) -> AnyRecord:
    """``record`` with every full resident ID masked; the same object when there is none (the common case)."""
    # Read the model's __dict__ directly: this runs once per record, and attribute access was most of its cost.
    fields = record.__dict__
    names = type(record).TEXT_FIELDS
    texts = [fields[name] for name in names]
    # A penalty says what its id_number is; on list entries and coercive measures it is a person's resident ID.
    number: str = fields.get("id_number", "")
    masks_number = bool(number) and _is_full_resident_id(fields.get("id_type", "身份证"), number)
    # One search over all free text (NUL-separated: NUL is no letter or digit, so a match never spans two
    # fields and each field's edges stay edges) tells whether any field needs the per-field pass below.
    if not masks_number and not RESIDENT_ID_SHAPE.search("\x00".join(texts)):
        return record
    update: dict[str, str] = {}
    if masks_number:
        update["id_number"] = mask_resident_id(number)
    for name, text in zip(names, texts, strict=True):
        if text and RESIDENT_ID_SHAPE.search(text):
            update[name] = RESIDENT_ID_SHAPE.sub(_mask_match, text)
    # model_copy skips validation: only str fields are replaced by strs.
    return record.model_copy(update=update) if update else record


def all_masked(records: list[AnyRecord], columns: Columns) -> list[AnyRecord]:
    """:func:`masked` over ``records``; ``records`` itself when no record can hold a full resident ID.

    A resident ID needs 17 ASCII digits in a row; dropping every non-ASCII character (and joining the fields
    with NUL) can only join digit runs, never split one, so no such run in the ASCII remainder of all free text
    means no field has one. Any hit, or any non-empty ``id_number``, sends every record through :func:`masked`.
    """
    if not any(columns.column("id_number")):
        texts = "\x00".join("\x00".join(column) for column in columns.texts())
        if not _DIGITS_17.search(texts.encode("ascii", "ignore")):
            return records
    return list(map(masked, records))
