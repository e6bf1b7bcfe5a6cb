""":class:`ReportRecords`: a report's ``records`` array held column by column — the one fast-path structure a
report model holds (the type of :attr:`merge.report.Report.records`).

A report of a large subject holds 10,000 records. Building a pydantic model per item (and having the cyclic
garbage collector walk all of them afterwards) was a third of the merge's time, and the broker's hot path never
reads the items: it serialises the report (:mod:`merge.fast.canonical` reads the columns) and stores it. So the
records are kept as four parallel tuples — the record models, ``reported_by``, ``minor``, ``repaired`` — and a
:class:`ReportRecord` is made when an item is read (indexing, iteration: the PDF, tests). To pydantic the field
is an array of :class:`ReportRecord`: validated, serialised and described in the JSON schema as one, so a report
built by hand (or by the reference merge) from a tuple of items holds the same columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any, overload

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from merge.edition_rules import AnyRecord
from merge.fast.trusted import trusted_record, trusted_records
from merge.report_record import ReportRecord

_ITEM_FIELDS = attrgetter("record", "reported_by", "minor", "repaired")

Columns = tuple[tuple[AnyRecord, ...], tuple[tuple[str, ...], ...], tuple[bool, ...], tuple[bool, ...]]


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

    def columns(self) -> Columns:
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
        return trusted_record(self._records[index], self._reported_by[index], self._minor[index], self._repaired[index])

    def __iter__(self) -> Iterator[ReportRecord]:
        return iter(trusted_records(*self.columns()))

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
