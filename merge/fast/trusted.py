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
from itertools import repeat
from operator import setitem
from typing import Any

from pydantic import BaseModel

from merge.report_record import ReportRecord

_set = object.__setattr__
_SlotSetter = Callable[[object, object], None]

_RECORD_FIELDS = frozenset(ReportRecord.model_fields)


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


def trusted_record(values: dict[str, object]) -> ReportRecord:
    """``ReportRecord.model_construct(**values)`` from already validated values (every field, in class order)."""
    item: ReportRecord = construct_trusted(ReportRecord, values, _RECORD_FIELDS)  # type: ignore[assignment]
    return item


def trusted_records(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[ReportRecord]:
    """:func:`trusted_record` for each position of the columns (one per field of ``names``), attribute by
    attribute: every attribute of all items is set in one ``map`` through the slots' own descriptors, so the loop
    stays in C."""
    dicts = column_dicts(names, columns)
    count = len(dicts)
    items = list(map(ReportRecord.__new__, repeat(ReportRecord, count)))
    set_dict, set_fields, set_extra, set_private = _slot_setters(ReportRecord)
    deque(map(set_dict, items, dicts), 0)
    deque(map(set_fields, items, map(set, repeat(_RECORD_FIELDS, count))), 0)
    deque(map(set_extra, items, repeat(None)), 0)
    deque(map(set_private, items, repeat(None)), 0)
    return items


def column_dicts(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """One dict per position of the equally long ``columns`` (one per name): a :class:`ReportRecord`'s
    ``__dict__``, or an item of the report's JSON (as :mod:`merge.fast.canonical` makes them).

    Every dict is filled field by field with operator.setitem (called without an argument tuple, unlike
    dict.__setitem__), so the loop stays in C."""
    count = len(columns[0]) if columns else 0
    if any(len(column) != count for column in columns):
        raise ValueError("records: the columns differ in length")
    dicts: list[dict[str, Any]] = [{} for _ in range(count)]
    for name, column in zip(names, columns, strict=True):
        deque(map(setitem, dicts, repeat(name), column), 0)
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
