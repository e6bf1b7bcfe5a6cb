"""The fields the fast merge reads of each record, column by column, kind by kind.

The merge reads a dedup key, an event date, a domain, identifiers, free text and edition marks of every record
of a 10,000-record report. One property call per record per field was a large part of its cost; instead, the
records are grouped kind by kind, one C-level getter per record fetches every field needed from its
``__dict__`` at once, and keys, dates and marks are computed over the resulting columns with ``map``. Each kind's
:class:`KindPlan` says where those values are; the record models' properties (``dedup_key``, ``event_date``)
and :mod:`merge.edition_rules` remain the rule, and tests/merge/fast/test_columns.py holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import attrgetter, is_, itemgetter
from typing import Any

from merge.edition_rules import AnyRecord
from merge.records import MINOR_CATEGORIES, CoerciveMeasure, DishonestyListEntry, Penalty, PenaltyCategory, RepairStatus

_FIELDS = attrgetter("__dict__")
_ColumnMap = Mapping[str, Sequence[Any]]
#: Records of one kind, consecutive in a list: (their model class, how many).
Run = tuple[type[AnyRecord], int]


def _either(first: str, second: str) -> str:
    return first or second


def _penalty_keys(columns: _ColumnMap) -> list[tuple[str, ...]]:
    usccs = columns["authority_uscc"]
    # The authority's USCC is almost always there: then no per-record Python call is needed at all.
    authorities = usccs if all(usccs) else list(map(_either, usccs, columns["authority_name"]))
    return list(zip(repeat("penalty"), authorities, columns["decision_no"], strict=False))


def _list_entry_keys(columns: _ColumnMap) -> list[tuple[str, ...]]:
    documents = columns["document_no"]
    if not all(documents):
        documents = list(map(_either, documents, map(date.isoformat, columns["listed_on"])))
    names, authorities = columns["list_name"], columns["authority_name"]
    return list(zip(repeat("list"), names, authorities, documents, strict=False))


def _coercive_measure_keys(columns: _ColumnMap) -> list[tuple[str, ...]]:
    return list(zip(repeat("coercive"), columns["authority_name"], columns["document_no"], strict=False))


@dataclass(frozen=True, slots=True)
class KindPlan:
    """Where the merge finds what it reads of one record kind."""

    #: The field the kind's ``event_date`` property returns.
    event_date_field: str
    #: The fields its ``dedup_key`` property is made of.
    key_fields: tuple[str, ...]
    #: ``dedup_key`` of each record, from :attr:`key_fields` given column by column.
    dedup_keys: Callable[[_ColumnMap], list[tuple[str, ...]]]
    #: Edition-mark fields (only a penalty has categories and a repair status).
    mark_fields: tuple[str, ...] = ()

    def reads(self, cls: type[AnyRecord]) -> tuple[str, ...]:
        """Every field the merge reads of a record of ``cls``, once each."""
        names = (*self.key_fields, self.event_date_field, "domain", "id_number", *cls.TEXT_FIELDS, *self.mark_fields)
        return tuple(dict.fromkeys(names))


#: Every record kind, in the order the merge processes them, and its plan.
PLANS: dict[type[AnyRecord], KindPlan] = {
    Penalty: KindPlan(
        event_date_field="decision_date",
        key_fields=("authority_uscc", "authority_name", "decision_no"),
        dedup_keys=_penalty_keys,
        mark_fields=("categories", "repair_status"),
    ),
    DishonestyListEntry: KindPlan(
        event_date_field="listed_on",
        key_fields=("list_name", "authority_name", "document_no", "listed_on"),
        dedup_keys=_list_entry_keys,
    ),
    CoerciveMeasure: KindPlan(
        event_date_field="decided_on", key_fields=("authority_name", "document_no"), dedup_keys=_coercive_measure_keys
    ),
}


@lru_cache(maxsize=256)
def _minor_categories(categories: tuple[PenaltyCategory, ...]) -> bool:
    # is_minor for a penalty depends on its categories alone; a report holds few distinct combinations.
    return bool(categories) and set(categories) <= MINOR_CATEGORIES


def kind_by_kind(records: list[AnyRecord], regions: list[int]) -> tuple[list[AnyRecord], list[int], list[Run]]:
    """``records`` (and their region indices) reordered kind by kind, in :data:`PLANS` order, and the runs.

    The order given up here does not show: the merged records are sorted on their content.
    """
    types = list(map(type, records))
    present = set(types)
    if len(present) <= 1:
        return records, regions, [(types[0], len(types))] if types else []
    order: list[int] = []
    runs: list[Run] = []
    for cls in PLANS:
        if cls in present:
            indices = list(compress(range(len(types)), map(is_, types, repeat(cls))))
            order.extend(indices)
            runs.append((cls, len(indices)))
    if len(order) != len(records):  # RegionAnswer admits only these three types
        raise TypeError(f"records: unknown record type among {sorted(t.__name__ for t in present)}")
    return list(map(records.__getitem__, order)), list(map(regions.__getitem__, order)), runs


def runs_of(records: list[AnyRecord]) -> list[Run]:
    """The runs of records already kind by kind (as grouping copies leaves them)."""
    types = list(map(type, records))
    return [(cls, types.count(cls)) for cls in PLANS if cls in types]


@dataclass(frozen=True, slots=True)
class Columns:
    """The fields the merge reads, column by column, for records given kind by kind (one run per kind)."""

    runs: list[tuple[type[AnyRecord], dict[str, Sequence[Any]]]]

    @classmethod
    def read(cls, records: list[AnyRecord], runs: list[Run]) -> Columns:
        # One getter call per record fetches every field the merge needs from its __dict__ at once: the records
        # are scattered in memory, and one pass over them instead of one per field was most of the saving.
        fields = list(map(_FIELDS, records))
        columns: list[tuple[type[AnyRecord], dict[str, Sequence[Any]]]] = []
        start = 0
        for kind, count in runs:
            names = PLANS[kind].reads(kind)
            rows = map(itemgetter(*names), fields[start : start + count])
            columns.append((kind, dict(zip(names, zip(*rows, strict=True), strict=True))))
            start += count
        return cls(columns)

    def column(self, name: str) -> list[Any]:
        """Field ``name`` of every record (every kind has it)."""
        return list(chain.from_iterable(columns[name] for _kind, columns in self.runs))

    def dedup_keys(self) -> list[tuple[str, ...]]:
        return list(chain.from_iterable(PLANS[kind].dedup_keys(columns) for kind, columns in self.runs))

    def event_dates(self) -> list[date]:
        return list(chain.from_iterable(columns[PLANS[kind].event_date_field] for kind, columns in self.runs))

    def texts(self) -> Iterator[Sequence[str]]:
        """Each free-text column."""
        return (columns[name] for kind, columns in self.runs for name in kind.TEXT_FIELDS)

    def marks(self) -> tuple[list[bool], list[bool]]:
        """The edition marks (merge.edition_rules.is_minor / is_repaired) of each record: only a penalty has
        categories and a repair status; other kinds are neither minor nor repaired."""
        minor: list[bool] = []
        repaired: list[bool] = []
        for kind, columns in self.runs:
            if kind is Penalty:
                minor.extend(map(_minor_categories, columns["categories"]))
                repaired.extend(map(is_, columns["repair_status"], repeat(RepairStatus.REPAIRED)))
            else:
                count = len(columns["domain"])
                minor.extend(repeat(False, count))
                repaired.extend(repeat(False, count))
        return minor, repaired
