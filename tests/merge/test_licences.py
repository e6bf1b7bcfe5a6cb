"""A report's licences (merge.licences): their own section, never a violation — for the reference merge and the fast
one alike (the ``implementation`` fixture of tests/merge/conftest.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from merge.answers import RegionStatus
from merge.domains import DOMAINS
from merge.editions import Edition
from merge.records import Licence, LicenceCategory, RecordKind
from merge.report import CellState, LicenceItem, Report, ReportQuery
from merge.report_content import shown_licences
from tests.merge.conftest import Implementation, not_answered
from tests.merge.test_merging import BJ, HE, ISSUED, TJ, USCC, answer, penalty, query


def licence(region: str, n: int, **changes: Any) -> Licence:
    fields: dict[str, Any] = {
        "region_code": region,
        "record_id": f"{region}-licence-{n}",
        "domain": "market_regulation",
        "subject_name": "北京某某科技有限公司",
        "uscc": USCC,
        "document_name": "食品经营许可决定书",
        "document_no": f"京市监食许〔2025〕{n}号",
        "category": LicenceCategory.ORDINARY,
        "certificate_name": "食品经营许可证",
        "licence_no": f"JY1110108{n:07d}",
        "content": "预包装食品销售",
        "decided_on": date(2025, 4, 1),
        "valid_from": date(2025, 4, 1),
        "valid_until": date(2030, 3, 31),
        "authority_name": "北京市朝阳区市场监督管理局",
    }
    fields.update(changes)
    return Licence(**fields)


def merged(implementation: Implementation, *answers: Any, q: ReportQuery | None = None) -> Report:
    return implementation.merge_report(q or query(), answers, report_no="JJJ-2026-000009", issued_at=ISSUED)


def test_a_report_with_only_licences_is_clean_and_lists_them_in_their_section(
    implementation: Implementation,
) -> None:
    report = merged(
        implementation,
        answer(BJ, licence(BJ, 1), licence(BJ, 2, domain="ecology_environment", decided_on=date(2024, 6, 1))),
        answer(TJ),
        answer(HE, licence(HE, 3, decided_on=date(2025, 9, 1))),
    )
    # Complete, no violation, every domain of every covering region stated as "no record".
    assert report.complete
    assert report.certificate_usable
    assert list(report.records) == []
    assert report.summary.total_records == 0
    assert report.summary.by_kind == {
        RecordKind.PENALTY: 0, RecordKind.DISHONESTY_LIST_ENTRY: 0, RecordKind.COERCIVE_MEASURE: 0,
    }  # fmt: skip
    assert [line.record_count for line in report.regions] == [0, 0, 0]
    assert {cell.state for row in report.matrix for cell in row.cells.values()} == {CellState.NO_RECORD}
    assert "未应答" not in report.notice
    # The licences, region by region in report order, newest decision first within a region.
    assert [(item.region, item.record_id, item.domain, item.decided_on) for item in report.licences] == [
        (BJ, f"{BJ}-licence-1", "market_regulation", date(2025, 4, 1)),
        (BJ, f"{BJ}-licence-2", "ecology_environment", date(2024, 6, 1)),
        (HE, f"{HE}-licence-3", "market_regulation", date(2025, 9, 1)),
    ]
    assert [lic.document_no for _, lic in shown_licences(report)] == [
        "京市监食许〔2025〕1号", "京市监食许〔2025〕2号", "京市监食许〔2025〕3号",
    ]  # fmt: skip
    # The canonical JSON carries the section; the report reads back from it unchanged.
    body = implementation.canonical_json(report)
    again = Report.model_validate_json(body)
    assert again.licences == report.licences
    assert implementation.canonical_json(again) == body


def test_licences_beside_violations_change_neither_counts_nor_matrix(implementation: Implementation) -> None:
    without = merged(implementation, answer(BJ, penalty(BJ, 1)), answer(TJ), answer(HE))
    beside = merged(implementation, answer(BJ, penalty(BJ, 1), licence(BJ, 1)), answer(TJ), answer(HE))
    assert list(beside.records) == list(without.records)
    assert (beside.summary, beside.matrix, beside.notice) == (without.summary, without.matrix, without.notice)
    assert [item.record_id for item in beside.licences] == [f"{BJ}-licence-1"]
    assert without.licences == ()


def test_a_licence_two_regions_send_is_listed_under_each_and_never_merged(implementation: Implementation) -> None:
    # The same decision (same authority and number) from two regions: each region's statement stays as signed.
    report = merged(implementation, answer(BJ, licence(BJ, 1)), answer(TJ, licence(TJ, 1)), answer(HE))
    assert [(item.region, item.record_id) for item in report.licences] == [
        (BJ, f"{BJ}-licence-1"), (TJ, f"{TJ}-licence-1"),
    ]  # fmt: skip
    assert report.summary.duplicates_merged == 0


def test_an_unanswered_region_lists_no_licence_and_the_report_stays_incomplete(
    implementation: Implementation,
) -> None:
    report = merged(implementation, answer(BJ, licence(BJ, 1)), not_answered(TJ, RegionStatus.TIMED_OUT), answer(HE))
    assert not report.complete
    assert [item.region for item in report.licences] == [BJ]


def test_an_expired_licence_keeps_its_end_in_the_item(implementation: Implementation) -> None:
    report = merged(
        implementation, answer(BJ, licence(BJ, 1, valid_until=date(2025, 12, 31)), licence(BJ, 2, valid_until=None))
    )
    assert {item.record_id: item.valid_until for item in report.licences} == {
        f"{BJ}-licence-1": date(2025, 12, 31), f"{BJ}-licence-2": None,
    }  # fmt: skip
    assert isinstance(report.licences[0], LicenceItem)


def test_the_listing_editions_statement_per_domain_says_no_record_where_only_licences_are(
    implementation: Implementation,
) -> None:
    q = query(edition=Edition.LISTING)
    report = merged(implementation, answer(BJ, licence(BJ, 1), q=q), answer(TJ, q=q), answer(HE, q=q), q=q)
    row = next(r for r in report.matrix if r.domain == "market_regulation")
    assert (row.cells[BJ].state, row.cells[BJ].count) == (CellState.NO_RECORD, 0)
    assert len(report.matrix) == len(DOMAINS)
    assert len(report.licences) == 1
