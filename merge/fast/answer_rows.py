"""The answer document built straight from records in their JSON form: no record model per row (a node's fast path).

A *row* is ``record.model_dump(mode="json")`` of a record model (:data:`adapters.record_rows.RecordRow` is one):
every field, ``kind`` and ``region_code`` included, dates as ISO strings, amounts as decimal strings, enumerations
as their values. The readable rule is :func:`merge.masking.masked` then :func:`merge.answer_builder.build_document`
on models; this gives the same document, byte for byte once encoded (tests/merge/fast/test_answer_rows.py holds the
two together on generated records).

Why it can skip the models: the wire structs of :mod:`merge.answer_document` are only encoded here, and msgspec
encodes a date and its ISO string, a decimal and its string (``decimal_format="string"``), a tuple and a list the
same way; a field equal to its default is left out either way. The rows come from the node's own database, written
through the models (:meth:`adapters.store.SqlRecordStore.add_records`), so their values are the models' values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from merge.answer_builder import AnswerContext, assemble_document
from merge.answer_document import KINDS, AnswerDocument, AnswerSubject
from merge.identifiers import mask_resident_id
from merge.masking import RESIDENT_ID_SHAPE, is_full_resident_id, mask_text

Row = Mapping[str, Any]

#: kind → (wire struct, the free-text fields a resident ID can hide in, each defaulted field's default)
_KINDS: dict[str, tuple[Any, tuple[str, ...], dict[str, Any]]] = {
    kind.value: (
        wire,
        model.TEXT_FIELDS,
        {f.name: f.default for f in msgspec.structs.fields(wire) if f.default is not msgspec.NODEFAULT},
    )
    for kind, (model, wire) in KINDS.items()
}
_ABSENT = object()


def masked_row(row: Row) -> Row:
    """:func:`merge.masking.masked` on a row: ``row`` itself when nothing changes, else a masked copy."""
    changed: dict[str, str] = {}
    for name in _KINDS[row["kind"]][1]:
        text = row[name]
        # The pattern's search is the cheap test; most texts hold no 18-character run at all.
        if text and RESIDENT_ID_SHAPE.search(text) is not None:
            masked_text = mask_text(text)
            if masked_text != text:
                changed[name] = masked_text
    number = row["id_number"]
    # Only a penalty says what kind of number its id_number is; on the other kinds it is a resident ID.
    if number and is_full_resident_id(row.get("id_type", "身份证"), number):
        masked_number = mask_resident_id(number)
        if masked_number != number:
            changed["id_number"] = masked_number
    return {**row, **changed} if changed else row


def _wire(row: Row) -> Any:
    wire, _, defaults = _KINDS[row["kind"]]
    # A value equal to its default is left to the struct: msgspec leaves a field out only when it holds the
    # default object itself, and a string read from the database is an equal but other object.
    values = {
        name: value for name, value in row.items() if name != "region_code" and defaults.get(name, _ABSENT) != value
    }
    categories = values.get("categories")
    if categories is not None:
        values["categories"] = tuple(categories)
    return wire(**values)


def document_from_rows(context: AnswerContext, subject: AnswerSubject, rows: Iterable[Row]) -> AnswerDocument:
    """:func:`merge.answer_builder.build_document` for rows already filtered by the edition and masked."""
    return assemble_document(context, subject, [_wire(row) for row in rows])
