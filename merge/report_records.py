"""A report's merged records: :class:`ReportRecord` (one item of the report's ``records`` array) and
:class:`ReportRecords`, the array itself, held column by column.

A report of a large subject holds 10,000 records. Building a pydantic model per item (and having the cyclic
garbage collector walk all of them afterwards) was a third of the merge's time, and the broker's hot path never
reads the items: it serialises the report (:mod:`merge.canonical` reads the columns) and stores it. So the
records are kept as four parallel tuples — the record models, ``reported_by``, ``minor``, ``repaired`` — and a
:class:`ReportRecord` is made when an item is read (indexing, iteration: the PDF, tests). To pydantic the field
is an array of :class:`ReportRecord`: validated, serialised and described in the JSON schema as one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, partial
from itertools import compress, repeat
from operator import attrgetter, setitem
from typing import Any, Self, overload

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from merge.edition_rules import AnyRecord
from merge.records import Record

_set = object.__setattr__

# hide_input_in_errors: a validation error must never echo a full resident ID (invariant 5).
REPORT_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True, populate_by_name=True)

_RECORD_FIELDS = frozenset({"record", "reported_by", "minor", "repaired"})
# Field order as in the class (model_construct's order): the __dict__ of every ReportRecord is a copy of this.
_RECORD_TEMPLATE: dict[str, object] = {"record": None, "reported_by": (), "minor": False, "repaired": False}

_SlotSetter = Callable[[object, object], None]


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


def item_dicts(
    records: Sequence[object],
    reported_by: Sequence[tuple[str, ...]],
    minor: Sequence[bool],
    repaired: Sequence[bool],
) -> list[dict[str, object]]:
    """``{"record", "reported_by", "minor", "repaired"}`` for each position of the four equally long columns:
    a :class:`ReportRecord`'s ``__dict__`` (given the record models), or an item of the report's JSON (given
    their ``__dict__``, as :mod:`merge.canonical` does).

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


class ReportRecord(BaseModel):
    """A merged record: one copy of the decision, the regions that reported it, and edition marks."""

    model_config = REPORT_MODEL_CONFIG

    record: Record
    reported_by: tuple[str, ...] = Field(min_length=1)
    #: Only 警告 / 通报批评 (the administrative edition marks these).
    minor: bool
    #: Credit repair completed (the administrative edition marks these).
    repaired: bool

    @classmethod
    def trusted(cls, record: AnyRecord, reported_by: tuple[str, ...], minor: bool, repaired: bool) -> Self:
        """``model_construct(...)`` from already validated parts, in a third of its time.

        It sets exactly what ``model_construct`` sets for a model without defaults, extras or private
        attributes; a test checks that the two stay equal.
        """
        values: dict[str, object] = {"record": record, "reported_by": reported_by, "minor": minor, "repaired": repaired}
        item: Self = construct_trusted(cls, values, _RECORD_FIELDS)  # type: ignore[assignment]
        return item

    @classmethod
    def trusted_many(
        cls,
        records: Sequence[AnyRecord],
        reported_by: Sequence[tuple[str, ...]],
        minor: Sequence[bool],
        repaired: Sequence[bool],
    ) -> list[Self]:
        """:meth:`trusted` for each item of the four equally long sequences, attribute by attribute.

        The ``__dict__`` of each is made by :func:`item_dicts`, and every attribute of all items is set in one
        ``map`` through the slots' own descriptors (no argument tuple, unlike object.__setattr__): the loop
        stays in C, about a third of the time of calling :meth:`trusted` 10,000 times.
        """
        dicts = item_dicts(records, reported_by, minor, repaired)
        count = len(dicts)
        items = list(map(cls.__new__, repeat(cls, count)))
        set_dict, set_fields, set_extra, set_private = _slot_setters(cls)
        deque(map(set_dict, items, dicts), 0)
        deque(map(set_fields, items, map(set, repeat(_RECORD_FIELDS, count))), 0)
        deque(map(set_extra, items, repeat(None)), 0)
        deque(map(set_private, items, repeat(None)), 0)
        return items


_ITEM_FIELDS = attrgetter("record", "reported_by", "minor", "repaired")


class ReportRecords(Sequence[ReportRecord]):
    """The ``records`` of a report: an immutable sequence of :class:`ReportRecord`, stored as four columns.

    Equal to any sequence of the same items (a tuple of :class:`ReportRecord` included); items are made when
    read. ``ReportRecords(records, reported_by, minor, repaired)`` holds the items
    ``ReportRecord(record=r, reported_by=b, minor=m, repaired=p)`` of the columns' values at each position, whose
    parts must be valid already (only the lengths are checked: the merge builds it so); :meth:`of` takes items.
    """

    __slots__ = ("_minor", "_records", "_repaired", "_reported_by")

    def __init__(
        self,
        records: Iterable[AnyRecord] = (),
        reported_by: Iterable[tuple[str, ...]] = (),
        minor: Iterable[bool] = (),
        repaired: Iterable[bool] = (),
    ) -> None:
        self._records: tuple[AnyRecord, ...] = tuple(records)
        self._reported_by: tuple[tuple[str, ...], ...] = tuple(reported_by)
        self._minor: tuple[bool, ...] = tuple(minor)
        self._repaired: tuple[bool, ...] = tuple(repaired)
        if not len(self._records) == len(self._reported_by) == len(self._minor) == len(self._repaired):
            raise ValueError("records: the record, reported_by, minor and repaired columns differ in length")

    @classmethod
    def of(cls, items: Iterable[ReportRecord]) -> ReportRecords:
        """The records holding ``items`` (each already a validated :class:`ReportRecord`)."""
        rows = list(map(_ITEM_FIELDS, items))
        if not rows:
            return cls()
        records, reported_by, minor, repaired = zip(*rows, strict=True)
        return cls(records, reported_by, minor, repaired)

    def columns(self) -> tuple[tuple[AnyRecord, ...], tuple[tuple[str, ...], ...], tuple[bool, ...], tuple[bool, ...]]:
        """``(records, reported_by, minor, repaired)``, each a tuple in report order."""
        return self._records, self._reported_by, self._minor, self._repaired

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> ReportRecord: ...

    @overload
    def __getitem__(self, index: slice) -> ReportRecords: ...

    def __getitem__(self, index: int | slice) -> ReportRecord | ReportRecords:
        if isinstance(index, slice):
            return ReportRecords(
                self._records[index], self._reported_by[index], self._minor[index], self._repaired[index]
            )
        return ReportRecord.trusted(
            self._records[index], self._reported_by[index], self._minor[index], self._repaired[index]
        )

    def __iter__(self) -> Iterator[ReportRecord]:
        return iter(ReportRecord.trusted_many(*self.columns()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReportRecords):
            return self.columns() == other.columns()
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(other) == len(self) and list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.columns())

    def __repr__(self) -> str:
        return f"ReportRecords({len(self)} records)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # To pydantic this is an array of ReportRecord: validated as a tuple of them (then held as columns), so
        # an error names the item and field (records.0.reported_by); written as one, described as one in the JSON
        # schema. An instance is taken as it is (it was built from valid parts).
        items = handler.generate_schema(tuple[ReportRecord, ...])

        def validate(value: Any, validate_items: core_schema.ValidatorFunctionWrapHandler) -> ReportRecords:
            return value if isinstance(value, cls) else cls.of(validate_items(value))

        return core_schema.no_info_wrap_validator_function(
            validate,
            items,
            serialization=core_schema.plain_serializer_function_ser_schema(tuple, return_schema=items),
        )
