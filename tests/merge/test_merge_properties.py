"""Properties of merge_report over every combination of region outcomes (hypothesis).

Each of the three regions: absent from the input or present with any status, any covered subset of a few
domains (the catalogue's and one the catalogue does not know), and any records, including the same decision
sent by several regions and records in domains the region does not claim to cover. Every property holds for the
reference merge and for the fast one (the ``implementation`` fixture of tests/merge/conftest.py).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from merge.answers import RegionAnswer, RegionStatus
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.records import DishonestyListEntry, Penalty, PenaltyCategory, SubjectCategory
from merge.regions import REGION_ORDER
from merge.report import CellState, Report, ReportQuery
from tests.merge.conftest import Implementation

CODES = [r.code for r in REGION_ORDER]
DOMAIN_POOL = ["market_regulation", "taxation", "education", "customs", "ethnic_religious", "unknown_domain"]
QUERY = ReportQuery(
    subject=Subject(SubjectKind.ENTERPRISE, "91110108551385082Q"),
    edition=Edition.ADMINISTRATIVE,
    purpose="financing",
    window_from=date(2021, 1, 1),
    window_to=date(2025, 12, 31),
    application_date=date(2026, 1, 5),
)


@st.composite
def records(draw: st.DrawFn, region: str) -> Penalty | DishonestyListEntry:
    domain = draw(st.sampled_from(DOMAIN_POOL))
    # A handful of decision numbers and dates, so that regions often report the same decision.
    n = draw(st.integers(0, 5))
    day = date(2024, 1, 1 + draw(st.integers(0, 3)))
    rid = f"{region}-{draw(st.integers(0, 3))}"
    if draw(st.booleans()):
        return Penalty(
            region_code=region,
            record_id=rid,
            domain=domain,
            subject_name=draw(st.sampled_from(["甲公司", "乙公司"])),
            subject_category=SubjectCategory.LEGAL_PERSON,
            decision_no=f"罚{n}",
            violation_type="v",
            violation_facts=draw(st.sampled_from(["事实一", "事实二"])),
            legal_basis="b",
            categories=(draw(st.sampled_from(list(PenaltyCategory))),),
            content="c",
            fine_amount=Decimal(n) / 4,
            decision_date=day,
            authority_name="某局",
            authority_uscc="11110105MB0123456F",
        )
    return DishonestyListEntry(
        region_code=region,
        record_id=rid,
        domain=domain,
        subject_name="甲公司",
        list_name="某名单",
        authority_name="某局",
        listed_on=day,
        document_no=f"文{n}",
    )


@st.composite
def region_answer(draw: st.DrawFn, region: str) -> RegionAnswer | None:
    if draw(st.integers(0, 5)) == 0:
        return None  # absent from the input altogether
    return RegionAnswer(
        region_code=region,
        status=draw(st.sampled_from(list(RegionStatus))),
        latency_ms=draw(st.floats(0, 5000, allow_nan=False)),
        covered_domains=frozenset(draw(st.sets(st.sampled_from(DOMAIN_POOL)))),
        records=tuple(draw(st.lists(records(region), max_size=6))),
    )


@st.composite
def outcomes(draw: st.DrawFn) -> list[RegionAnswer]:
    answers = [draw(region_answer(code)) for code in CODES]
    return [a for a in answers if a is not None]


def merged(implementation: Implementation, answers: list[RegionAnswer]) -> Report:
    return implementation.merge_report(QUERY, answers, report_no="P-1", issued_at=datetime(2026, 1, 5, tzinfo=UTC))


@settings(max_examples=200, deadline=None)
@given(outcomes())
def test_merge_invariants(implementation: Implementation, answers: list[RegionAnswer]) -> None:
    # One generated input, three groups of properties: generation is most of the cost.
    report = merged(implementation, answers)
    check_matrix(answers, report)
    check_complete(answers, report)
    check_counts(answers, report)


def check_matrix(answers: list[RegionAnswer], report: Report) -> None:
    """ "no_record" appears for a region and domain only if that region answered and covers that domain."""
    answered = {a.region_code: a for a in answers if a.status is RegionStatus.ANSWERED}
    for row in report.matrix:
        assert list(row.cells) == CODES
        for code, cell in row.cells.items():
            if cell.state is CellState.NO_RECORD:
                assert code in answered
                assert row.domain in answered[code].covered_domains
            # Unanswered (or absent) regions are stated as such in every row, whatever they sent.
            assert (cell.state is CellState.NOT_ANSWERED) == (code not in answered)
            assert (cell.count > 0) == (cell.state is CellState.RECORDS)
    # Every region is named, and an absent one is unavailable.
    statuses = {a.region_code: a.status for a in answers}
    assert [(r.code, r.status) for r in report.regions] == [
        (code, statuses.get(code, RegionStatus.UNAVAILABLE)) for code in CODES
    ]


def check_complete(answers: list[RegionAnswer], report: Report) -> None:
    """``complete`` (and ``certificate_usable``) is true iff all three regions answered."""
    all_answered = len([a for a in answers if a.status is RegionStatus.ANSWERED]) == 3
    assert report.complete is all_answered
    assert report.certificate_usable is all_answered


def check_counts(answers: list[RegionAnswer], report: Report) -> None:
    """Merged records = distinct dedup keys among answered regions' records; per-region counts as sent."""
    answered = [a for a in answers if a.status is RegionStatus.ANSWERED]
    keys = {r.dedup_key for a in answered for r in a.records}
    assert report.summary.total_records == len(report.records) == len(keys)
    assert {item.record.dedup_key for item in report.records} == keys
    assert report.summary.duplicates_merged == sum(len(a.records) for a in answered) - len(keys)
    assert sum(report.summary.by_kind.values()) == len(keys)
    for a in answered:
        assert report.summary.by_region[a.region_code] == len(a.records)
        in_matrix = sum(row.cells[a.region_code].count for row in report.matrix)
        assert in_matrix == len(a.records)
    # Every merged record shows up in the matrix of every region that reported it.
    for item in report.records:
        for code in item.reported_by:
            rows = [row for row in report.matrix if row.cells[code].state is CellState.RECORDS]
            assert rows


@settings(max_examples=200, deadline=None)
@given(outcomes(), st.randoms(use_true_random=False))
def test_order_of_input_does_not_matter(
    implementation: Implementation, answers: list[RegionAnswer], rnd: random.Random
) -> None:
    shuffled = [a.model_copy(update={"records": tuple(rnd.sample(a.records, len(a.records)))}) for a in answers]
    rnd.shuffle(shuffled)
    one, two = merged(implementation, answers), merged(implementation, shuffled)
    assert one == two
    assert implementation.canonical_json(one) == implementation.canonical_json(two)
