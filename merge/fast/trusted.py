"""Report models built from parts already validated, without pydantic's per-call bookkeeping.

``model_construct`` spends a third of its time on bookkeeping that a model without defaults, extras or private
attributes does not need; the fast merge builds 45 × 3 matrix cells per report and, when a report is read item
by item, one :class:`ReportRecord` per record. What these functions set equals what ``model_construct`` sets
(tests/merge/fast/test_trusted.py holds them together).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from functools import cache, partial
from itertools import compress, repeat
from operator import setitem

from pydantic import BaseModel

from merge.edition_rules import AnyRecord
from merge.report_record import ReportRecord

_set = object.__setattr__
_SlotSetter = Callable[[object, object], None]

_RECORD_FIELDS = frozenset({"record", "reported_by", "minor", "repaired"})
# Field order as in the class (model_construct's order): the __dict__ of every ReportRecord is a copy of this.
_RECORD_TEMPLATE: dict[str, object] = {"record": None, "reported_by": (), "minor": False, "repaired": False}


def construct_trusted(cls: type[BaseModel], values: dict[str, object], fields: frozenset[str]) -> object:
    """What ``cls.model_construct(**values)`` builds when ``values`` sets exactly ``fields``, every field of a
    model without defaults, extras or private attributes; without its per-call bookkeeping (a third of its time).
    """
    item = cls.__new__(cls)
    _set(item, "__dict__", values)
    _set(item, "__pydantic_fields_set__", set(fields))
    _set(item, "__pydantic_extra__", None)
    _set(item, "__pydantic_private__", None)
    return item


def trusted_record(record: AnyRecord, reported_by: tuple[str, ...], minor: bool, repaired: bool) -> ReportRecord:
    """``ReportRecord.model_construct(...)`` from already validated parts, in a third of its time."""
    values: dict[str, object] = {"record": record, "reported_by": reported_by, "minor": minor, "repaired": repaired}
    item: ReportRecord = construct_trusted(ReportRecord, values, _RECORD_FIELDS)  # type: ignore[assignment]
    return item


def trusted_records(
    records: Sequence[AnyRecord],
    reported_by: Sequence[tuple[str, ...]],
    minor: Sequence[bool],
    repaired: Sequence[bool],
) -> list[ReportRecord]:
    """:func:`trusted_record` for each position of the four equally long sequences, attribute by attribute.

    The ``__dict__`` of each is made by :func:`item_dicts`, and every attribute of all items is set in one
    ``map`` through the slots' own descriptors (no argument tuple, unlike object.__setattr__): the loop stays in
    C, about a third of the time of calling :func:`trusted_record` 10,000 times.
    """
    dicts = item_dicts(records, reported_by, minor, repaired)
    count = len(dicts)
    items = list(map(ReportRecord.__new__, repeat(ReportRecord, count)))
    set_dict, set_fields, set_extra, set_private = _slot_setters(ReportRecord)
    deque(map(set_dict, items, dicts), 0)
    deque(map(set_fields, items, map(set, repeat(_RECORD_FIELDS, count))), 0)
    deque(map(set_extra, items, repeat(None)), 0)
    deque(map(set_private, items, repeat(None)), 0)
    return items


def item_dicts(
    records: Sequence[object],
    reported_by: Sequence[tuple[str, ...]],
    minor: Sequence[bool],
    repaired: Sequence[bool],
) -> list[dict[str, object]]:
    """``{"record", "reported_by", "minor", "repaired"}`` for each position of the four equally long columns:
    a :class:`ReportRecord`'s ``__dict__`` (given the record models), or an item of the report's JSON (given
    their ``__dict__``, as :mod:`merge.fast.canonical` does).

    Every dict is a copy of one template filled field by field with operator.setitem (called without an
    argument tuple, unlike dict.__setitem__), so the loop stays in C: about a third of the time of a dict
    display per item for 10,000 items.
    """
    count = len(records)
    if not count == len(reported_by) == len(minor) == len(repaired):
        raise ValueError("records: the record, reported_by, minor and repaired columns differ in length")
    dicts = list(map(dict.copy, repeat(_RECORD_TEMPLATE, count)))
    deque(map(setitem, dicts, repeat("record"), records), 0)
    deque(map(setitem, dicts, repeat("reported_by"), reported_by), 0)
    # The template says False: only the (few) marked items are written.
    for name, marks in (("minor", minor), ("repaired", repaired)):
        deque(map(setitem, map(dicts.__getitem__, compress(range(count), marks)), repeat(name), repeat(True)), 0)
    return dicts


@cache
def _slot_setters(cls: type[BaseModel]) -> tuple[_SlotSetter, _SlotSetter, _SlotSetter, _SlotSetter]:
    """The ``__set__`` of the descriptors behind a model instance's four slots (``__dict__`` and pydantic's
    three): what ``object.__setattr__`` ends up calling for them, without the attribute lookup."""

    def setter(name: str) -> _SlotSetter:
        for klass in cls.__mro__:
            descriptor = vars(klass).get(name)
            if descriptor is not None and hasattr(descriptor, "__set__"):
                found: _SlotSetter = descriptor.__set__
                return found
        return partial(_set_named, name)

    names = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
    dict_, fields, extra, private = map(setter, names)
    return dict_, fields, extra, private


def _set_named(name: str, item: object, value: object) -> None:
    _set(item, name, value)
