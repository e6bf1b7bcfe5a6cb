"""Properties of merge_report over every combination of region outcomes (hypothesis).

Each of the three regions: absent from the input or present with any status, any covered subset of a few
domains, and any records (licences among them), including the same decision sent by several regions (a document
covers the domains of its records and names the catalogue's only: anything else is refused when read,
tests/merge/test_answer_document.py). Every property holds for the reference merge and for the fast one (the
``implementation`` fixture of tests/merge/conftest.py).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from merge.answer_document import record_models
from merge.answers import RegionAnswer, RegionStatus
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.records import DishonestyListEntry, Licence, LicenceCategory, Penalty, PenaltyCategory, SubjectCategory
from merge.regions import REGION_ORDER
from merge.report import CellState, Report, ReportQuery
from merge.report_content import shown_records
from tests.merge.conftest import Implementation, not_answered
from tests.merge.conftest import region_answer as answer_of

CODES = [r.code for r in REGION_ORDER]
DOMAIN_POOL = ["market_regulation", "taxation", "education", "customs", "ethnic_religious"]
QUERY = ReportQuery(
    subject=Subject(SubjectKind.ENTERPRISE, "91110108551385082Q"),
    edition=Edition.ADMINISTRATIVE,
    purpose="financing",
    window_from=date(2021, 1, 1),
    window_to=date(2025, 12, 31),
    application_date=date(2026, 1, 5),
)


@st.composite
def records(draw: st.DrawFn, region: str) -> Penalty | DishonestyListEntry | Licence:
    domain = draw(st.sampled_from(DOMAIN_POOL))
    # A handful of decision numbers and dates, so that regions often report the same decision.
    n = draw(st.integers(0, 5))
    day = date(2024, 1, 1 + draw(st.integers(0, 3)))
    rid = f"{region}-{draw(st.integers(0, 3))}"
    kind = draw(st.integers(0, 4))
    if kind == 0:
        # Not a violation: listed apart, never counted, merged or in the matrix.
        return Licence(
            region_code=region, record_id=rid, domain=domain, subject_name="甲公司", document_name="某许可决定书",
            document_no=f"许{n}", category=LicenceCategory.ORDINARY, content="c", decided_on=day, authority_name="某局",
        )  # fmt: skip
    if kind <= 2:
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
    status = draw(st.sampled_from(list(RegionStatus)))
    latency = draw(st.floats(0, 5000, allow_nan=False))
    if status is not RegionStatus.ANSWERED:
        return not_answered(region, status, latency_ms=latency)
    sent = draw(st.lists(records(region), max_size=6, unique_by=lambda r: r.record_id))
    return answer_of(region, sent, query=QUERY, covered=draw(st.sets(st.sampled_from(DOMAIN_POOL))), latency_ms=latency)


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
    check_licences(answers, report)


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


def _all_sent(answer: RegionAnswer) -> list[Penalty | DishonestyListEntry | Licence]:
    assert answer.document is not None
    return record_models(answer.document)  # type: ignore[return-value]


def _sent(answer: RegionAnswer) -> list[Penalty | DishonestyListEntry]:
    """The violations a region sent (its licences apart)."""
    return [r for r in _all_sent(answer) if not isinstance(r, Licence)]


def check_licences(answers: list[RegionAnswer], report: Report) -> None:
    """Every answered region's licences are listed, once each, under that region; nobody else's."""
    answered = [a for a in answers if a.status is RegionStatus.ANSWERED]
    sent = sorted((a.region_code, r.record_id) for a in answered for r in _all_sent(a) if isinstance(r, Licence))
    assert sorted((item.region, item.record_id) for item in report.licences) == sent
    assert [item.region for item in report.licences] == sorted(item.region for item in report.licences)


def check_counts(answers: list[RegionAnswer], report: Report) -> None:
    """Merged records = distinct dedup keys among answered regions' records; per-region counts as sent."""
    answered = [a for a in answers if a.status is RegionStatus.ANSWERED]
    keys = {r.dedup_key for a in answered for r in _sent(a)}
    assert report.summary.total_records == len(report.records) == len(keys)
    assert {record.dedup_key for _, record in shown_records(report)} == keys
    assert report.summary.duplicates_merged == sum(len(_sent(a)) for a in answered) - len(keys)
    assert sum(report.summary.by_kind.values()) == len(keys)
    for a in answered:
        assert report.summary.by_region[a.region_code] == len(_sent(a))
        in_matrix = sum(row.cells[a.region_code].count for row in report.matrix)
        assert in_matrix == len(_sent(a))
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
    # The regions' own order of records changes their signed parts, and nothing else; the order of the answers
    # changes nothing at all.
    shuffled = [_reordered(a, rnd) for a in answers]
    rnd.shuffle(shuffled)
    one, two = merged(implementation, answers), merged(implementation, shuffled)
    parts = {"regions": {"__all__": {"answer"}}}
    assert one.model_dump(mode="json", exclude=parts) == two.model_dump(mode="json", exclude=parts)
    reordered = list(answers)
    rnd.shuffle(reordered)
    assert implementation.canonical_json(one) == implementation.canonical_json(merged(implementation, reordered))


def _reordered(answer: RegionAnswer, rnd: random.Random) -> RegionAnswer:
    if not answer.answered:
        return answer
    sent = _all_sent(answer)
    covered = answer.covered_domains
    return answer_of(
        answer.region_code, rnd.sample(sent, len(sent)), query=QUERY, covered=covered, latency_ms=answer.latency_ms
    )
