"""The fast merge_report's column-wise record merge equals a plain record-by-record reading of its rules.

merge.fast reads fields column by column, folds the sort key into integers and skips masking after a single
pre-check; the reference below does none of that (one property call per record, an explicit mask of every
record), so any drift in the fast path shows as a difference here.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from merge.answers import RegionAnswer, RegionStatus
from merge.domains import DOMAINS
from merge.editions import Edition
from merge.fast.canonical import canonical_json
from merge.fast.merging import merge_report
from merge.identifiers import InvalidIdentifier, Subject, SubjectKind, mask_resident_id, validate_resident_id
from merge.records import (
    MINOR_CATEGORIES,
    CoerciveMeasure,
    DishonestyListEntry,
    Penalty,
    PenaltyCategory,
    RecordKind,
    RepairStatus,
    SubjectCategory,
)
from merge.regions import REGION_ORDER
from merge.report import ReportQuery, ReportRecord

CODES = [r.code for r in REGION_ORDER]
DOMAIN_POOL = ["market_regulation", "taxation", "customs", "zz_unknown", "aa_unknown"]
RESIDENT_IDS = ["11010519491231002X", "130102199003071233"]
TEXTS = ["事实", f"身份证号{RESIDENT_IDS[0]}的当事人", f"{RESIDENT_IDS[1]}", "编号12345678901234567", ""]
QUERY = ReportQuery(
    subject=Subject(SubjectKind.ENTERPRISE, "91110108551385082Q"),
    edition=Edition.ADMINISTRATIVE,
    purpose="financing",
    window_from=date(2021, 1, 1),
    window_to=date(2025, 12, 31),
    application_date=date(2026, 1, 5),
)
_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


@st.composite
def a_record(draw: st.DrawFn, region: str) -> Penalty | DishonestyListEntry | CoerciveMeasure:
    common: dict[str, Any] = {
        "region_code": region,
        "record_id": f"{region}-{draw(st.integers(0, 2))}",
        "domain": draw(st.sampled_from(DOMAIN_POOL)),
        "subject_name": "甲公司",
    }
    n = draw(st.integers(0, 3))  # few numbers, so that regions often send the same decision
    day = date(2024, 1, 1 + draw(st.integers(0, 2)))
    text = draw(st.sampled_from(TEXTS))
    number = draw(st.sampled_from(["", *RESIDENT_IDS]))
    kind = draw(st.sampled_from(list(RecordKind)))
    if kind is RecordKind.PENALTY:
        return Penalty(
            **common,
            subject_category=SubjectCategory.LEGAL_PERSON,
            id_type=draw(st.sampled_from(["", "身份证", "护照"])) if number else "",
            id_number=number,
            decision_no=f"罚{n}",
            violation_type="v",
            violation_facts=text,
            legal_basis="b",
            categories=tuple(draw(st.sets(st.sampled_from(list(PenaltyCategory)), min_size=0, max_size=2))),
            content=draw(st.sampled_from(TEXTS)),
            remarks=draw(st.sampled_from(TEXTS)),
            fine_amount=Decimal(n) / 4 if n else None,
            decision_date=day,
            authority_name=draw(st.sampled_from(["某局", "另一局"])),
            authority_uscc=draw(st.sampled_from(["", "11110105MB0123456F"])),
            repair_status=draw(st.sampled_from(list(RepairStatus))),
        )
    if kind is RecordKind.DISHONESTY_LIST_ENTRY:
        return DishonestyListEntry(
            **common, id_number=number, list_name="某名单", authority_name="某局", listed_on=day,
            document_no=draw(st.sampled_from(["", f"文{n}"])), reason=text,
        )  # fmt: skip
    return CoerciveMeasure(
        **common, id_number=number, document_no=f"强{n}", measure_type="查封", authority_name="某局",
        decided_on=day, reason=text,
    )  # fmt: skip


@st.composite
def answers(draw: st.DrawFn) -> list[RegionAnswer]:
    result = []
    for code in CODES:
        if draw(st.integers(0, 4)) == 0:
            continue
        status = draw(st.sampled_from([RegionStatus.ANSWERED] * 3 + [RegionStatus.TIMED_OUT]))
        records = tuple(draw(st.lists(a_record(code), max_size=8)))
        covered = frozenset(DOMAIN_POOL[:3])
        result.append(
            RegionAnswer(region_code=code, status=status, latency_ms=1.0, covered_domains=covered, records=records)
        )
    return result


def _is_resident_id(value: str) -> bool:
    try:
        validate_resident_id(value.upper())
    except InvalidIdentifier:
        return False
    return True


def _mask_text(text: str) -> str:
    return _SHAPE.sub(lambda m: mask_resident_id(m[0]) if _is_resident_id(m[0]) else m[0], text)


def _reference_mask(record: Any) -> Any:
    update = {name: _mask_text(getattr(record, name)) for name in type(record).TEXT_FIELDS}
    id_type = getattr(record, "id_type", "身份证")
    if record.id_number and ("身份证" in id_type or _is_resident_id(record.id_number)):
        update["id_number"] = mask_resident_id(record.id_number)
    changed = {k: v for k, v in update.items() if v != getattr(record, k)}
    return record.model_copy(update=changed) if changed else record


def reference(given: list[RegionAnswer]) -> tuple[list[ReportRecord], dict[str, Counter[str]]]:
    answered = [a for a in given if a.answered]
    sent = {a.region_code: Counter(r.domain for r in a.records) for a in answered}
    copies: dict[tuple[str, ...], list[tuple[int, Any]]] = {}
    for a in answered:
        for r in a.records:
            copies.setdefault(r.dedup_key, []).append((CODES.index(a.region_code), r))
    items = []
    for group in copies.values():
        _, shown = min(group, key=lambda c: (c[0], c[1].record_id, c[1].model_dump_json()))
        shown = _reference_mask(shown)
        minor = isinstance(shown, Penalty) and bool(shown.categories) and set(shown.categories) <= MINOR_CATEGORIES
        repaired = isinstance(shown, Penalty) and shown.repair_status is RepairStatus.REPAIRED
        by = tuple(CODES[i] for i in sorted({i for i, _ in group}))
        items.append(ReportRecord(record=shown, reported_by=by, minor=minor, repaired=repaired))
    catalogue = [d.code for d in DOMAINS]

    def order(item: ReportRecord) -> tuple[Any, ...]:
        r = item.record
        rank = catalogue.index(r.domain) if r.domain in catalogue else len(catalogue)
        return (-r.event_date.toordinal(), rank, r.domain, r.dedup_key)

    return sorted(items, key=order), sent


@settings(max_examples=300, deadline=None)
@given(answers())
def test_merge_equals_the_record_by_record_reference(given: list[RegionAnswer]) -> None:
    report = merge_report(QUERY, given, report_no="R-1", issued_at=datetime(2026, 1, 5, tzinfo=UTC))
    expected, sent = reference(given)
    assert list(report.records) == expected
    for row in report.matrix:
        for code, cell in row.cells.items():
            assert cell.count == sent.get(code, Counter())[row.domain]
    assert report.summary.by_kind == {k: sum(i.record.kind is k for i in expected) for k in RecordKind}
    assert report.summary.duplicates_merged == sum(len(a.records) for a in given if a.answered) - len(expected)
    # And the document built on them is the one a model_dump gives.
    again = report.model_validate_json(canonical_json(report))
    assert canonical_json(again) == canonical_json(report)
