"""Where a full resident ID can hide in a record, and how the report masks it (DESIGN invariant 5).

A merged report shows a full resident ID to nobody: the merge masks, with
:func:`merge.identifiers.mask_resident_id`,

- the ``id_number`` of a penalty whose ``id_type`` is a 身份证 or whose number is a valid resident ID;
- the ``id_number`` of a list entry, a coercive measure or a licence (there it is a person's resident ID);
- every valid resident ID written into a record's free text (:attr:`TEXT_FIELDS`: facts, content, remarks,
  reasons, a licence's number). A candidate is 17 digits and a digit or X standing alone, not inside a longer run
  of letters and digits (a USCC, a licence number); only one whose checksum holds is masked.
"""

from __future__ import annotations

import re

from merge.edition_rules import AnyRecord
from merge.identifiers import InvalidIdentifier, mask_resident_id, validate_resident_id

RESIDENT_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def is_resident_id(value: str) -> bool:
    """Whether ``value`` (any case) is a valid resident ID number."""
    try:
        validate_resident_id(value.upper())
    except InvalidIdentifier:
        return False
    return True


def is_full_resident_id(id_type: str, number: str) -> bool:
    """Whether an ``id_number`` of type ``id_type`` is to be masked: a 身份证 by its type, or by its checksum."""
    return "身份证" in id_type or is_resident_id(number)


def mask_text(text: str) -> str:
    """``text`` with every valid resident ID in it masked."""
    return RESIDENT_ID_SHAPE.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    return mask_resident_id(match[0]) if is_resident_id(match[0]) else match[0]


def masked(record: AnyRecord) -> AnyRecord:
    """``record`` with every full resident ID masked (the same object when nothing changes)."""
    update = {name: mask_text(getattr(record, name)) for name in record.TEXT_FIELDS}
    # Only a penalty says what kind of number its id_number is; on the other kinds it is a resident ID.
    id_type = getattr(record, "id_type", "身份证")
    if record.id_number and is_full_resident_id(id_type, record.id_number):
        update["id_number"] = mask_resident_id(record.id_number)
    changed = {name: value for name, value in update.items() if value != getattr(record, name)}
    return record.model_copy(update=changed) if changed else record
