"""The records of a report, fast: deduplicated, masked, marked and ordered as :mod:`merge.merging` says.

Runs once per record for 10,000-record subjects, so the per-record work is done column by column
(:mod:`merge.fast.columns`) with ``map`` over C-level getters rather than in a Python loop or a property per
record; the common case (no decision reported twice) skips grouping altogether, and the sort key is one
integer per record wherever the domain catalogue allows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import add, mul, neg
from typing import Any

from merge.answers import RegionAnswer
from merge.domains import DOMAINS
from merge.edition_rules import AnyRecord
from merge.fast.columns import Columns, kind_by_kind, runs_of
from merge.fast.masking import all_masked
from merge.fast.report_records import ReportRecords
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, RecordKind
from merge.regions import REGION_ORDER

REGION_INDEX = {region.code: index for index, region in enumerate(REGION_ORDER)}
_DOMAIN_INDEX = {domain.code: index for index, domain in enumerate(DOMAINS)}
_DOMAIN_CODES = tuple(domain.code for domain in DOMAINS)
#: The rank of a domain code the catalogue does not know (after every known one); ranks are below _RANK_SPAN.
_UNKNOWN_RANK = len(DOMAINS)
_RANK_SPAN = len(DOMAINS) + 1
_REPORTED_BY_ONE = tuple((region.code,) for region in REGION_ORDER)
_KIND_OF: dict[type, RecordKind] = {
    Penalty: RecordKind.PENALTY,
    DishonestyListEntry: RecordKind.DISHONESTY_LIST_ENTRY,
    CoerciveMeasure: RecordKind.COERCIVE_MEASURE,
}


@dataclass(frozen=True, slots=True)
class Merged:
    records: ReportRecords
    #: Sent records merged away as copies of another.
    duplicates: int
    by_kind: dict[RecordKind, int]
    #: What each region sent, by domain (before merging copies): the matrix counts.
    sent_by_domain: dict[str, Counter[str]]


def merge_records(answered: list[RegionAnswer]) -> Merged:
    """Deduplicated, masked, ordered records of the answered regions, with the counts the report states."""
    records: list[AnyRecord] = []
    regions: list[int] = []
    for answer in answered:
        records.extend(answer.records)
        regions.extend(repeat(REGION_INDEX[answer.region_code], len(answer.records)))
    sent = len(records)
    records, regions, runs = kind_by_kind(records, regions)
    columns = Columns.read(records, runs)
    domains = columns.column("domain")
    ranks = _domain_ranks(domains)
    keys = columns.dedup_keys()
    sent_by_domain = _sent_by_domain(answered, regions, domains, ranks)
    if len(set(keys)) == sent:  # the common case: no decision reported twice
        reported: list[tuple[str, ...]] = list(map(_REPORTED_BY_ONE.__getitem__, regions))
    else:
        records, keys, reported = _grouped(records, regions, keys)
        runs = runs_of(records)
        columns = Columns.read(records, runs)
        domains = columns.column("domain")
        ranks = _domain_ranks(domains)
    # Marks and masking read the records in the order they arrived (kind by kind), before the sort scatters them.
    minor, repaired = columns.marks()
    records = all_masked(records, columns)
    order = _sort_order(columns, keys, domains, ranks)
    merged = ReportRecords(
        map(records.__getitem__, order),
        map(reported.__getitem__, order),
        map(minor.__getitem__, order),
        map(repaired.__getitem__, order),
    )
    return Merged(merged, sent - len(merged), {_KIND_OF[cls]: count for cls, count in runs}, sent_by_domain)


def _representative(copies: list[tuple[int, AnyRecord]]) -> tuple[int, AnyRecord]:
    """The copy a merged record shows, independent of input order: earliest region, then lowest record_id."""
    best = min(copies, key=lambda c: (c[0], c[1].record_id))
    ties = [c for c in copies if c[0] == best[0] and c[1].record_id == best[1].record_id]
    # One region sending one record_id twice with different content: fall back to the content itself.
    return best if len(ties) == 1 else min(ties, key=lambda c: c[1].model_dump_json())


def _grouped(
    records: list[AnyRecord], regions: list[int], keys: list[tuple[str, ...]]
) -> tuple[list[AnyRecord], list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Records, dedup keys and ``reported_by`` after merging copies of one decision (equal ``dedup_key``).

    Groups keep the order of their first copy, so records given kind by kind stay kind by kind (a dedup key
    starts with its kind)."""
    groups: dict[tuple[str, ...], list[tuple[int, AnyRecord]]] = defaultdict(list)
    for key, index, record in zip(keys, regions, records, strict=True):
        groups[key].append((index, record))
    kept: list[AnyRecord] = []
    reported: list[tuple[str, ...]] = []
    for copies in groups.values():
        if len(copies) == 1:
            region_index, record = copies[0]
            reported.append(_REPORTED_BY_ONE[region_index])
        else:
            region_index, record = _representative(copies)
            reported.append(tuple(REGION_ORDER[i].code for i in sorted({i for i, _ in copies})))
        kept.append(record)
    return kept, list(groups), reported


def _domain_ranks(domains: list[str]) -> list[int]:
    """Each domain's place in the catalogue; :data:`_UNKNOWN_RANK` for a code the catalogue does not know."""
    return list(map(_DOMAIN_INDEX.get, domains, repeat(_UNKNOWN_RANK)))


def _sort_order(columns: Columns, keys: list[tuple[str, ...]], domains: list[str], ranks: list[int]) -> list[int]:
    """Indices in report order: newest first, then domain catalogue order (unknown domain codes last, by code),
    then dedup key. Keys are unique here, so that is a total order and the input order never shows."""
    # Date and rank folded into one integer (ranks are below _RANK_SPAN): newer dates give smaller numbers, and
    # on one date the rank decides. Only an unknown domain needs its code in the key (all share one rank).
    newest_first = map(neg, map(date.toordinal, columns.event_dates()))
    primary = list(map(add, map(mul, newest_first, repeat(_RANK_SPAN)), ranks))
    if _UNKNOWN_RANK in ranks:
        order_keys: list[tuple[Any, ...]] = list(zip(primary, domains, keys, strict=True))
    else:
        order_keys = list(zip(primary, keys, strict=True))
    return sorted(range(len(order_keys)), key=order_keys.__getitem__)


def _sent_by_domain(
    answered: list[RegionAnswer], regions: list[int], domains: list[str], ranks: list[int]
) -> dict[str, Counter[str]]:
    """How many records each answered region sent in each domain (before copies are merged)."""
    counts: dict[str, Counter[str]] = {a.region_code: Counter() for a in answered}
    if _UNKNOWN_RANK in ranks:  # count by (region, code): the codes outside the catalogue share one rank
        for (region_index, domain), count in Counter(zip(regions, domains, strict=True)).items():
            counts[REGION_ORDER[region_index].code][domain] = count
        return counts
    # Otherwise by one integer per record (region and rank), which counts without building a tuple for each.
    for combined, count in Counter(map(add, map(mul, regions, repeat(_RANK_SPAN)), ranks)).items():
        region_index, rank = divmod(combined, _RANK_SPAN)
        counts[REGION_ORDER[region_index].code][_DOMAIN_CODES[rank]] = count
    return counts
