""":class:`ReportRecords`: a report's ``records`` array held column by column — the one fast-path structure a
report model holds (the type of :attr:`merge.report.Report.records`).

A report of a large subject holds 10,000 records. Building a pydantic model per item (and having the cyclic
garbage collector walk all of them afterwards) was a large part of the merge's time, and the broker's hot path
never reads the items: it serialises the report (:mod:`merge.fast.canonical` reads the columns) and stores it. So
the items are kept as one tuple per field of :class:`ReportRecord` (:data:`FIELDS`), and a :class:`ReportRecord`
is made when an item is read (indexing, iteration: the PDF, tests). To pydantic the field is an array of
:class:`ReportRecord`: validated, serialised and described in the JSON schema as one, so a report built by hand
(or by the reference merge) from a tuple of items holds the same columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any, overload

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from merge.fast.trusted import trusted_record, trusted_records
from merge.report_record import ReportRecord

#: The item fields, in the order :meth:`ReportRecords.columns` gives them.
FIELDS = ("kind", "region", "record_id", "reported_by", "minor", "repaired", "severity")
_ITEM_FIELDS = attrgetter(*FIELDS)

Columns = tuple[tuple[Any, ...], ...]


class ReportRecords(Sequence[ReportRecord]):
    """The ``records`` of a report: an immutable sequence of :class:`ReportRecord`, stored as columns.

    Equal to any sequence of the same items (a tuple of :class:`ReportRecord` included); items are made when
    read. ``ReportRecords(kind, region, record_id, reported_by, minor, repaired, severity)`` holds the items of the
    columns' values at each position, which must be valid already (only the lengths are checked: the merge builds
    it so); :meth:`of` takes items.
    """

    __slots__ = ("_columns",)

    def __init__(self, *columns: Iterable[Any]) -> None:
        held = tuple(tuple(column) for column in columns) or tuple(() for _ in FIELDS)
        if len(held) != len(FIELDS) or len({len(column) for column in held}) > 1:
            raise ValueError(f"records: {len(FIELDS)} columns of one length ({', '.join(FIELDS)})")
        self._columns: Columns = held

    @classmethod
    def of(cls, items: Iterable[ReportRecord]) -> ReportRecords:
        """The records holding ``items`` (each already a validated :class:`ReportRecord`)."""
        rows = list(map(_ITEM_FIELDS, items))
        return cls(*zip(*rows, strict=True)) if rows else cls()

    def columns(self) -> Columns:
        """One tuple per field of :data:`FIELDS`, each in report order."""
        return self._columns

    def __len__(self) -> int:
        return len(self._columns[0])

    @overload
    def __getitem__(self, index: int) -> ReportRecord: ...

    @overload
    def __getitem__(self, index: slice) -> ReportRecords: ...

    def __getitem__(self, index: int | slice) -> ReportRecord | ReportRecords:
        if isinstance(index, slice):
            return ReportRecords(*(column[index] for column in self._columns))
        return trusted_record(dict(zip(FIELDS, (column[index] for column in self._columns), strict=True)))

    def __iter__(self) -> Iterator[ReportRecord]:
        return iter(trusted_records(FIELDS, self._columns))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReportRecords):
            return self._columns == other._columns
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(other) == len(self) and list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._columns)

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
