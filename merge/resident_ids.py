"""Is there a full resident ID in a region's records? The check the broker makes on every answer document.

A node masks before it signs (invariant 5, minimise at the source): the broker can no longer change a signed part,
so a part that still holds a full resident ID is refused rather than shown. Where one can hide is
:mod:`merge.masking`'s rule: a penalty's ``id_number`` that is a 身份证 by its type or checksum, the ``id_number`` of
a list entry, coercive measure or licence, and every valid resident ID written into a record's free text.

Fast first: a resident ID needs 17 ASCII digits in a row; with every non-ASCII character dropped and the fields
joined by NUL (no digit), a document with no such run anywhere needs no per-record look (the common case).
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any

from merge.identifiers import mask_resident_id
from merge.masking import RESIDENT_ID_SHAPE, is_full_resident_id, is_resident_id

_DIGITS_17 = re.compile(rb"[0-9]{17}")
_ID_NUMBER = attrgetter("id_number")
# Free-text fields per record kind (the models' TEXT_FIELDS), by the kind's name in AnswerRecords.
_TEXT = {
    "coercive_measure": ("reason",),
    "dishonesty_list_entry": ("reason",),
    "licence": ("licence_no", "content", "remarks"),
    "penalty": ("violation_facts", "content", "remarks"),
}


def first_full_resident_id(records: Any) -> str | None:
    """Where the first full resident ID in ``records`` (:class:`merge.answer_document.AnswerRecords`) is, as
    ``penalty[3].id_number``, or ``None``."""
    columns: list[str] = []
    for kind, fields in _TEXT.items():
        items = getattr(records, kind)
        columns.extend(map(_ID_NUMBER, items))
        for name in fields:
            columns.extend(map(attrgetter(name), items))
    if not _DIGITS_17.search("\x00".join(columns).encode("ascii", "ignore")):
        return None
    for kind, fields in _TEXT.items():
        for index, record in enumerate(getattr(records, kind)):
            where = _in_record(record, fields)
            if where is not None:
                return f"{kind}[{index}].{where}"
    return None


def _in_record(record: Any, fields: tuple[str, ...]) -> str | None:
    number: str = record.id_number
    # Unmasked where the masking rule masks (masking a masked number changes nothing).
    if (
        number
        and is_full_resident_id(getattr(record, "id_type", "身份证"), number)
        and mask_resident_id(number) != number
    ):
        return "id_number"
    for name in fields:
        if any(is_resident_id(m[0]) for m in RESIDENT_ID_SHAPE.finditer(getattr(record, name))):
            return name
    return None


__all__ = ["first_full_resident_id"]
