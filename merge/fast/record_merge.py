"""The records of a report, fast: deduplicated, marked and ordered as :mod:`merge.merging` says, read straight from
the decoded answer documents (:mod:`merge.answer_document`'s structs, kind by kind as the documents group them).

Runs once per record for 10,000-record subjects, so the per-record work is done column by column: one C-level
getter per kind fetches the fields a key, a date or a mark needs (:data:`PLANS`), and keys, dates and marks are
computed over the columns with ``map``; the common case (no decision reported twice) skips grouping, and the sort
key is one integer per record. Nothing is masked here: the documents were checked to hold no full resident ID.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import add, attrgetter, eq, mul, neg
from typing import Any

from merge.answer_document import AnswerDocument
from merge.domains import DOMAINS
from merge.fast.severities import penalty_severities
from merge.records import MINOR_CATEGORIES, RecordKind, RepairStatus
from merge.regions import REGION_ORDER
from merge.severity import Severity, rule

_MINOR = frozenset(category.value for category in MINOR_CATEGORIES)
REGION_INDEX = {region.code: index for index, region in enumerate(REGION_ORDER)}
_DOMAIN_INDEX = {domain.code: index for index, domain in enumerate(DOMAINS)}
_RANK_SPAN = len(DOMAINS) + 1
_REPORTED_BY_ONE = tuple((region.code,) for region in REGION_ORDER)
_CODES = tuple(region.code for region in REGION_ORDER)
_get = lru_cache(maxsize=None)(attrgetter)


def _either(first: str, second: str) -> str:
    return first or second


def _penalty_keys(records: Sequence[Any]) -> Iterable[tuple[str, ...]]:
    usccs = list(map(_get("authority_uscc"), records))
    # The authority's USCC is almost always there: then no per-record Python call is needed at all.
    authorities = usccs if all(usccs) else list(map(_either, usccs, map(_get("authority_name"), records)))
    return zip(repeat("penalty"), authorities, map(_get("decision_no"), records))


def _list_entry_keys(records: Sequence[Any]) -> Iterable[tuple[str, ...]]:
    documents: Iterable[str] = list(map(_get("document_no"), records))
    if not all(documents):
        documents = map(_either, documents, map(date.isoformat, map(_get("listed_on"), records)))
    return zip(repeat("list"), map(_get("list_name"), records), map(_get("authority_name"), records), documents)


def _coercive_keys(records: Sequence[Any]) -> Iterable[tuple[str, ...]]:
    return zip(repeat("coercive"), map(_get("authority_name"), records), map(_get("document_no"), records))


@dataclass(frozen=True, slots=True)
class KindPlan:
    """Where the merge finds what it reads of one kind: the field its ``event_date`` is, and its ``dedup_key``
    made column-wise from its records."""

    event_date_field: str
    dedup_keys: Callable[[Sequence[Any]], Iterable[tuple[str, ...]]]


#: Per kind (in the documents' order) — the models' ``event_date`` and ``dedup_key`` properties remain the rule
#: (tests/merge/fast/test_record_merge.py holds the two together).
PLANS: dict[RecordKind, KindPlan] = {
    RecordKind.COERCIVE_MEASURE: KindPlan("decided_on", _coercive_keys),
    RecordKind.DISHONESTY_LIST_ENTRY: KindPlan("listed_on", _list_entry_keys),
    RecordKind.PENALTY: KindPlan("decision_date", _penalty_keys),
}


#: A kind is held as its index in PLANS while merging: hashing an enum member runs Python code.
_KINDS = tuple(PLANS)


@lru_cache(maxsize=256)
def _minor(categories: tuple[str, ...]) -> bool:
    # is_minor for a penalty depends on its categories alone; a report holds few distinct combinations.
    return bool(categories) and set(categories) <= _MINOR


@dataclass(slots=True)
class _Columns:
    """What the merge reads of every record, in one order (region by region, kind by kind)."""

    kinds: list[int]  # index into _KINDS
    regions: list[int]
    record_ids: list[str]
    dates: list[date]
    keys: list[tuple[str, ...]]
    domains: list[str]
    minor: list[bool]
    repaired: list[bool]
    severity: list[Severity]

    @classmethod
    def read(cls, documents: Sequence[AnswerDocument]) -> _Columns:
        out = cls([], [], [], [], [], [], [], [], [])
        for document in documents:
            region = REGION_INDEX[document.region_code]
            for kind_index, (kind, plan) in enumerate(PLANS.items()):
                records = getattr(document.records, kind.value)
                if not records:
                    continue
                count = len(records)
                out.kinds.extend(repeat(kind_index, count))
                out.regions.extend(repeat(region, count))
                out.record_ids.extend(map(_get("record_id"), records))
                out.dates.extend(map(_get(plan.event_date_field), records))
                out.keys.extend(plan.dedup_keys(records))
                out.domains.extend(map(_get("domain"), records))
                if kind is RecordKind.PENALTY:
                    categories = list(map(_get("categories"), records))
                    out.minor.extend(map(_minor, categories))
                    out.repaired.extend(
                        map(eq, map(_get("repair_status"), records), repeat(RepairStatus.REPAIRED.value))
                    )
                    out.severity.extend(
                        penalty_severities(
                            categories,
                            list(map(_get("fine_amount"), records)),
                            list(map(_get("confiscated_amount"), records)),
                        )
                    )
                else:
                    out.minor.extend(repeat(False, count))
                    out.repaired.extend(repeat(False, count))
                    out.severity.extend(repeat(rule().by_kind.get(kind, Severity.GENERAL), count))
        return out


@dataclass(frozen=True, slots=True)
class Merged:
    #: The report's ``records`` columns (merge.fast.report_records.FIELDS), in report order.
    columns: tuple[tuple[Any, ...], ...]
    #: Sent records merged away as copies of another.
    duplicates: int
    by_kind: dict[RecordKind, int]


def merge_records(documents: Sequence[AnswerDocument]) -> Merged:
    """Deduplicated, marked, ordered records of the answered regions' documents."""
    columns = _Columns.read(documents)
    sent = len(columns.keys)
    keep: list[int] | None = None
    reported: list[tuple[str, ...]]
    if len(set(columns.keys)) == sent:  # the common case: no decision reported twice
        reported = list(map(_REPORTED_BY_ONE.__getitem__, columns.regions))
    else:
        keep, reported = _grouped(columns)
    order = _sort_order(columns, keep)
    positions = order if keep is None else list(map(keep.__getitem__, order))
    pick = positions.__iter__
    kinds = tuple(map(columns.kinds.__getitem__, pick()))
    merged = (
        tuple(map(_KINDS.__getitem__, kinds)),
        tuple(map(_CODES.__getitem__, map(columns.regions.__getitem__, pick()))),
        tuple(map(columns.record_ids.__getitem__, pick())),
        tuple(map(reported.__getitem__, order)),
        tuple(map(columns.minor.__getitem__, pick())),
        tuple(map(columns.repaired.__getitem__, pick())),
        tuple(map(columns.severity.__getitem__, pick())),
    )
    return Merged(merged, sent - len(positions), {_KINDS[k]: n for k, n in Counter(kinds).items()})


def _grouped(columns: _Columns) -> tuple[list[int], list[tuple[str, ...]]]:
    """The position shown for each decision (earliest region, then lowest record_id) and its ``reported_by``,
    in the order of each decision's first copy."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for position, key in enumerate(columns.keys):
        groups.setdefault(key, []).append(position)
    keep: list[int] = []
    reported: list[tuple[str, ...]] = []
    for positions in groups.values():
        keep.append(min(positions, key=lambda p: (columns.regions[p], columns.record_ids[p])))
        reported.append(tuple(_CODES[i] for i in sorted({columns.regions[p] for p in positions})))
    return keep, reported


def _sort_order(columns: _Columns, keep: Sequence[int] | None) -> list[int]:
    """Indices into ``keep`` (all positions when ``None``) in report order: newest first, then domain catalogue
    order, then the shown copy's region (report order) and ``record_id``. The kept copies are unique by region and
    ``record_id``, so that is a total order and the input order never shows."""
    # Two stable sorts, the second on one integer per record: date, rank and region folded together (newer dates
    # give smaller numbers; on one date the rank decides, then the region). Every domain is a catalogue code.
    days = map(mul, map(neg, map(date.toordinal, columns.dates)), repeat(_RANK_SPAN))
    day_rank = map(add, days, map(_DOMAIN_INDEX.__getitem__, columns.domains))
    primary = list(map(add, map(mul, day_rank, repeat(len(REGION_ORDER))), columns.regions))
    ids = columns.record_ids
    if keep is not None:
        primary, ids = list(map(primary.__getitem__, keep)), list(map(ids.__getitem__, keep))
    by_id = sorted(range(len(primary)), key=ids.__getitem__)
    return sorted(by_id, key=primary.__getitem__)


__all__ = ["PLANS", "Merged", "merge_records"]
