"""Three regional answers → one report. Pure and deterministic.

Rules (issue 2, DESIGN invariants 1 and 5):

- Every report names exactly the three regions, in :data:`merge.regions.REGION_ORDER`; a region with no answer
  in the input counts as ``unavailable`` — never as clean.
- The domain × region matrix says ``no_record`` for a region and domain only when that region answered and
  covers that domain. A region that did not answer is ``not_answered`` in every row; an answered region is
  ``not_covered`` where it does not collect the domain, unless it sent records there anyway (then ``records``:
  a record is never hidden behind a coverage claim).
- The same decision reported by several regions (equal ``dedup_key``) appears once, with every reporting
  region in ``reported_by``. Matrix counts and ``summary.by_region`` count what each region sent.
- Records are ordered by event date (newest first), domain catalogue order, dedup key, then region: the output
  does not depend on the order of the answers or of the records inside them.
- A full resident ID inside a record is masked with :func:`merge.identifiers.mask_resident_id`: the
  ``id_number`` of a penalty whose ``id_type`` is a 身份证 or whose number is a valid resident ID, the
  ``id_number`` of other records (a person's resident ID), and any valid resident ID written into free text
  (facts, content, remarks, reasons).
"""

from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import add, attrgetter, is_, itemgetter, mul, neg
from typing import Any

from merge.answers import RegionAnswer, RegionStatus
from merge.domains import DOMAIN_BY_CODE, DOMAINS, domain_name
from merge.edition_rules import AnyRecord
from merge.editions import PURPOSE_BY_CODE
from merge.identifiers import InvalidIdentifier, mask_resident_id, validate_resident_id
from merge.records import (
    MINOR_CATEGORIES,
    RECORD_TYPES,
    CoerciveMeasure,
    DishonestyListEntry,
    Penalty,
    PenaltyCategory,
    RecordKind,
    RepairStatus,
)
from merge.regions import REGION_ORDER, Region
from merge.report import (
    SCHEMA,
    CellState,
    MatrixCell,
    MatrixRow,
    RegionSummary,
    Report,
    ReportQuery,
    ReportRecords,
    ReportSubject,
    ReportSummary,
    ReportWindow,
)

_REGION_INDEX = {region.code: index for index, region in enumerate(REGION_ORDER)}
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
_STATUS_NAMES = {
    RegionStatus.UNAVAILABLE: "无法连接",
    RegionStatus.TIMED_OUT: "超时",
    RegionStatus.REFUSED: "拒绝查询",
    RegionStatus.ERROR: "应答出错",
}
_NO_RECORD = MatrixCell.model_construct(state=CellState.NO_RECORD, count=0)
_NOT_COVERED = MatrixCell.model_construct(state=CellState.NOT_COVERED, count=0)
_NOT_ANSWERED = MatrixCell.model_construct(state=CellState.NOT_ANSWERED, count=0)

# 17 digits and a digit or X, not inside a longer run of letters and digits (a USCC, a licence number).
_RIC_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
# What every resident ID contains: the pre-check of _all_masked.
_DIGITS_17 = re.compile(rb"[0-9]{17}")
_FIELDS = attrgetter("__dict__")

#: Records of one kind, consecutive in a list: (their model class, how many).
_Run = tuple[type[AnyRecord], int]


@lru_cache(maxsize=4096)
def _is_resident_id(value: str) -> bool:
    try:
        validate_resident_id(value)
    except InvalidIdentifier:
        return False
    return True


def _is_full_resident_id(id_type: str, number: str) -> bool:
    return "身份证" in id_type or _is_resident_id(number.upper())


def _mask_match(match: re.Match[str]) -> str:
    return mask_resident_id(match[0]) if _is_resident_id(match[0].upper()) else match[0]


def _masked(record: AnyRecord) -> AnyRecord:
    """``record`` with every full resident ID masked; the same object when there is none (the common case)."""
    # Read the model's __dict__ directly: this runs once per record, and attribute access was most of its cost.
    fields = record.__dict__
    names = type(record).TEXT_FIELDS
    texts = [fields[name] for name in names]
    # A penalty says what its id_number is; on list entries and coercive measures it is a person's resident ID.
    number: str = fields.get("id_number", "")
    masks_number = bool(number) and _is_full_resident_id(fields.get("id_type", "身份证"), number)
    # One search over all free text (NUL-separated: NUL is no letter or digit, so a match never spans two
    # fields and each field's edges stay edges) tells whether any field needs the per-field pass below.
    if not masks_number and not _RIC_SHAPE.search("\x00".join(texts)):
        return record
    update: dict[str, str] = {}
    if masks_number:
        update["id_number"] = mask_resident_id(number)
    for name, text in zip(names, texts, strict=True):
        if text and _RIC_SHAPE.search(text):
            update[name] = _RIC_SHAPE.sub(_mask_match, text)
    # model_copy skips validation: only str fields are replaced by strs.
    return record.model_copy(update=update) if update else record


@lru_cache(maxsize=256)
def _minor_categories(categories: tuple[PenaltyCategory, ...]) -> bool:
    # is_minor for a penalty depends on its categories alone; a report holds few distinct combinations.
    return bool(categories) and set(categories) <= MINOR_CATEGORIES


def _by_region(answers: Sequence[RegionAnswer]) -> dict[str, RegionAnswer]:
    """One answer per region code, in report order; a missing region becomes ``unavailable``."""
    given: dict[str, RegionAnswer] = {}
    for answer in answers:
        if answer.region_code not in _REGION_INDEX:
            raise ValueError(f"answers: unknown region_code {answer.region_code!r}")
        if answer.region_code in given:
            raise ValueError(f"answers: region_code {answer.region_code!r} appears twice")
        given[answer.region_code] = answer
    return {
        region.code: given.get(region.code)
        or RegionAnswer(region_code=region.code, status=RegionStatus.UNAVAILABLE, latency_ms=0, error="no answer")
        for region in REGION_ORDER
    }


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


def _kind_by_kind(records: list[AnyRecord], regions: list[int]) -> tuple[list[AnyRecord], list[int], list[_Run]]:
    """``records`` (and their region indices) reordered kind by kind, in :data:`RECORD_TYPES` order, and the runs.

    Each kind's fields are then read with one C-level getter per record. The order given up here does not show:
    the merged records are sorted on their content.
    """
    types = list(map(type, records))
    present = set(types)
    if len(present) <= 1:
        return records, regions, [(types[0], len(types))] if types else []
    order: list[int] = []
    runs: list[_Run] = []
    for cls in RECORD_TYPES:
        if cls in present:
            indices = list(compress(range(len(types)), map(is_, types, repeat(cls))))
            order.extend(indices)
            runs.append((cls, len(indices)))
    if len(order) != len(records):  # RegionAnswer admits only these three types
        raise TypeError(f"records: unknown record type among {sorted(t.__name__ for t in present)}")
    return list(map(records.__getitem__, order)), list(map(regions.__getitem__, order)), runs


def _runs_of(records: list[AnyRecord]) -> list[_Run]:
    """The runs of records already kind by kind (as :func:`_grouped` leaves them)."""
    types = list(map(type, records))
    return [(cls, types.count(cls)) for cls in RECORD_TYPES if cls in types]


@lru_cache(maxsize=8)
def _read_fields(cls: type[AnyRecord]) -> tuple[str, ...]:
    """What the merge reads of each record of ``cls``: dedup key, date, domain, identifiers, text, marks."""
    marks = ("categories", "repair_status") if cls is Penalty else ()
    names = (*cls.KEY_FIELDS, cls.EVENT_DATE_FIELD, "domain", "id_number", *cls.TEXT_FIELDS, *marks)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class _Columns:
    """The fields the merge reads, column by column, for records given kind by kind (one run per kind)."""

    runs: list[tuple[type[AnyRecord], dict[str, Sequence[Any]]]]

    @classmethod
    def read(cls, records: list[AnyRecord], runs: list[_Run]) -> _Columns:
        # One getter call per record fetches every field the merge needs from its __dict__ at once: the records
        # are scattered in memory, and one pass over them instead of one per field was most of the saving.
        fields = list(map(_FIELDS, records))
        columns: list[tuple[type[AnyRecord], dict[str, Sequence[Any]]]] = []
        start = 0
        for kind, count in runs:
            names = _read_fields(kind)
            rows = map(itemgetter(*names), fields[start : start + count])
            columns.append((kind, dict(zip(names, zip(*rows, strict=True), strict=True))))
            start += count
        return cls(columns)

    def column(self, name: str) -> list[Any]:
        """Field ``name`` of every record (every kind has it)."""
        return list(chain.from_iterable(columns[name] for _kind, columns in self.runs))

    def dedup_keys(self) -> list[tuple[str, ...]]:
        return list(chain.from_iterable(kind.dedup_keys(columns) for kind, columns in self.runs))

    def event_dates(self) -> list[date]:
        return list(chain.from_iterable(columns[kind.EVENT_DATE_FIELD] for kind, columns in self.runs))

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


def _all_masked(records: list[AnyRecord], columns: _Columns) -> list[AnyRecord]:
    """:func:`_masked` over ``records``; ``records`` itself when no record can hold a full resident ID.

    The per-record check cost more than the rest of the merge, and in almost every report nothing needs
    masking: one pass over all records first rules that out. A resident ID needs 17 ASCII digits in a row;
    dropping every non-ASCII character (and joining the fields with NUL) can only join digit runs, never split
    one, so no such run in the ASCII remainder of all free text means no field has one. Any hit, or any
    non-empty ``id_number``, sends every record through the exact per-record check.
    """
    if not any(columns.column("id_number")):
        texts = "\x00".join("\x00".join(column) for column in columns.texts())
        if not _DIGITS_17.search(texts.encode("ascii", "ignore")):
            return records
    return list(map(_masked, records))


def _domain_ranks(domains: list[str]) -> list[int]:
    """Each domain's place in the catalogue; :data:`_UNKNOWN_RANK` for a code the catalogue does not know."""
    return list(map(_DOMAIN_INDEX.get, domains, repeat(_UNKNOWN_RANK)))


def _sort_order(columns: _Columns, keys: list[tuple[str, ...]], domains: list[str], ranks: list[int]) -> list[int]:
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


@dataclass(frozen=True, slots=True)
class _Merged:
    records: ReportRecords
    #: Sent records merged away as copies of another.
    duplicates: int
    by_kind: dict[RecordKind, int]
    #: What each region sent, by domain (before merging copies): the matrix counts.
    sent_by_domain: dict[str, Counter[str]]


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


def _merge_records(answered: list[RegionAnswer]) -> _Merged:
    """Deduplicated, masked, ordered records, with the counts the report states.

    Runs once per record for 10,000-record subjects, so the per-record work is done column by column with
    ``map`` over C-level getters on each kind's records rather than in a Python loop or a property per record.
    """
    records: list[AnyRecord] = []
    regions: list[int] = []
    for answer in answered:
        records.extend(answer.records)
        regions.extend(repeat(_REGION_INDEX[answer.region_code], len(answer.records)))
    sent = len(records)
    records, regions, runs = _kind_by_kind(records, regions)
    columns = _Columns.read(records, runs)
    domains = columns.column("domain")
    ranks = _domain_ranks(domains)
    keys = columns.dedup_keys()
    sent_by_domain = _sent_by_domain(answered, regions, domains, ranks)
    if len(set(keys)) == sent:  # the common case: no decision reported twice
        reported: list[tuple[str, ...]] = list(map(_REPORTED_BY_ONE.__getitem__, regions))
    else:
        records, keys, reported = _grouped(records, regions, keys)
        runs = _runs_of(records)
        columns = _Columns.read(records, runs)
        domains = columns.column("domain")
        ranks = _domain_ranks(domains)
    # Marks and masking read the records in the order they arrived (kind by kind), before the sort scatters them.
    minor, repaired = columns.marks()
    records = _all_masked(records, columns)
    order = _sort_order(columns, keys, domains, ranks)
    merged = ReportRecords(
        map(records.__getitem__, order),
        map(reported.__getitem__, order),
        map(minor.__getitem__, order),
        map(repaired.__getitem__, order),
    )
    return _Merged(merged, sent - len(merged), {_KIND_OF[cls]: count for cls, count in runs}, sent_by_domain)


def _matrix(answers: dict[str, RegionAnswer], counts: dict[str, Counter[str]]) -> tuple[MatrixRow, ...]:
    """``counts``: what each answered region sent, by domain. 45 rows × 3 cells per report, built with the
    trusted constructors (the parts are valid by construction), and each region's state read once."""
    extra = {d for c in counts.values() for d in c if d not in DOMAIN_BY_CODE}
    columns = [(code, counts.get(code), answer.covered_domains) for code, answer in answers.items()]
    rows = []
    for code in [*_DOMAIN_CODES, *sorted(extra)]:
        cells: dict[str, MatrixCell] = {}
        for region_code, region_counts, covered in columns:
            if region_counts is None:
                cells[region_code] = _NOT_ANSWERED
            elif count := region_counts.get(code, 0):
                cells[region_code] = MatrixCell.trusted(CellState.RECORDS, count)
            elif code in covered:
                cells[region_code] = _NO_RECORD
            else:
                cells[region_code] = _NOT_COVERED
        rows.append(MatrixRow.trusted(code, domain_name(code), cells))
    return tuple(rows)


def _aware(moment: datetime | None) -> datetime | None:
    # A protobuf Timestamp is UTC, and its ToDatetime() gives it back naive: say so in the report.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _region_summary(answer: RegionAnswer) -> RegionSummary:
    region = Region.from_code(answer.region_code)
    return RegionSummary(
        code=answer.region_code,
        name=region.display_name,
        status=answer.status,
        latency_ms=round(answer.latency_ms, 1),
        data_as_of=_aware(answer.data_as_of),
        covered_domain_count=len(answer.covered_domains) if answer.answered else 0,
        record_count=len(answer.records) if answer.answered else 0,
        error=answer.error,
    )


def _notice(answers: dict[str, RegionAnswer]) -> str:
    missing = [
        f"{Region.from_code(code).display_name}（{_STATUS_NAMES[a.status]}）"
        for code, a in answers.items()
        if not a.answered
    ]
    if not missing:
        return (
            "北京市、天津市、河北省三地公共信用信息平台均已应答。本报告按领域逐一列明各地区的记录情况；"
            "“未覆盖”表示该地区未归集该领域的信息，不代表无记录。"
        )
    return f"以下地区未应答：{'、'.join(missing)}。本报告不完整，未应答地区的情况未知，不得替代无违法违规证明使用。"


@contextmanager
def collection_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector for a bulk build of acyclic objects.

    Building a large report allocates tens of thousands of small objects; each allocation burst triggers
    collections that walk every live object, the 10,000 records just received included, and with large
    subjects that was half of the merge's time. Nothing built here forms a reference cycle, so nothing is
    left for the collector to free; it resumes (if it was on) when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def merge_report(query: ReportQuery, answers: Sequence[RegionAnswer], *, report_no: str, issued_at: datetime) -> Report:
    """Merge the regions' answers to ``query`` into one :class:`Report` (rules in the module docstring).

    ``answers`` holds at most one answer per region code; an unknown or repeated region code is a
    :class:`ValueError`. ``issued_at`` must be timezone-aware.
    """
    with collection_paused():
        return _merge_report(query, answers, report_no=report_no, issued_at=issued_at)


def _merge_report(
    query: ReportQuery, answers: Sequence[RegionAnswer], *, report_no: str, issued_at: datetime
) -> Report:
    by_region = _by_region(answers)
    # Records from a region that did not answer are dropped: a stream cut off by a deadline or an error is
    # not an answer, and showing part of it would look like the whole.
    answered = [a for a in by_region.values() if a.answered]
    merged = _merge_records(answered)
    records = merged.records

    complete = len(answered) == len(REGION_ORDER)
    subject = query.subject
    summary = ReportSummary.model_construct(
        total_records=len(records),
        by_kind={kind: merged.by_kind.get(kind, 0) for kind in RecordKind},
        by_region={code: len(a.records) if a.answered else 0 for code, a in by_region.items()},
        duplicates_merged=merged.duplicates,
    )
    return Report(
        schema=SCHEMA,
        report_no=report_no,
        issued_at=issued_at,
        edition=query.edition,
        edition_name=query.edition.display_name,
        purpose=query.purpose,
        purpose_name=PURPOSE_BY_CODE[query.purpose].name,
        subject=ReportSubject(
            kind=subject.kind,
            identifier=subject.masked,
            name=records.columns()[0][0].subject_name if records else "",
        ),
        window=ReportWindow.model_validate({"from": query.window_from, "to": query.window_to}),
        application_date=query.application_date,
        complete=complete,
        certificate_usable=complete,
        notice=_notice(by_region),
        regions=tuple(_region_summary(a) for a in by_region.values()),
        matrix=_matrix(by_region, merged.sent_by_domain),
        records=records,  # taken as it is: built above from validated records
        summary=summary,
    )
