"""A sample report about a fictitious enterprise: what a rendering process warms up on, and the PDF benchmark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from merge.answer_builder import unsigned_answer
from merge.answers import RegionAnswer, RegionStatus
from merge.domains import DEFAULT_COVERAGE
from merge.editions import Edition
from merge.fast.merging import merge_report
from merge.identifiers import Subject, SubjectKind
from merge.records import Penalty, PenaltyCategory, SubjectCategory
from merge.regions import REGION_ORDER, Region
from merge.report import Report, ReportQuery

_USCC = "91110108551385082Q"
_ISSUED = datetime(2026, 10, 9, 8, 30, tzinfo=UTC)
_QUERY = ReportQuery(
    subject=Subject(SubjectKind.ENTERPRISE, _USCC), edition=Edition.STANDARD, purpose="bidding",
    window_from=date(2023, 10, 9), window_to=date(2026, 10, 8), application_date=date(2026, 10, 9),
)  # fmt: skip


def sample_report(records: int = 2, *, complete: bool = True) -> Report:
    """A report about a fictitious enterprise with ``records`` penalties spread over the regions and domains.

    Used to warm up a rendering process (so that the first real render finds every code path ready) and by
    the benchmark. ``complete=False`` makes Hebei time out.
    """
    answers = []
    for index, region in enumerate(REGION_ORDER):
        if not complete and index == len(REGION_ORDER) - 1:
            answers.append(RegionAnswer(region_code=region.code, status=RegionStatus.TIMED_OUT, latency_ms=3000))
            continue
        coverage = DEFAULT_COVERAGE[region]
        penalties = [_penalty(region, n, coverage) for n in range(index, records, len(REGION_ORDER))]
        answers.append(
            unsigned_answer(
                region.code,
                penalties,
                query=_QUERY,
                covered=coverage,
                data_as_of=_ISSUED - timedelta(hours=16),
                latency_ms=12,
                subject_name="北京某某科技有限公司",
                signer=f"CN=region {region.code} answers (sample)",
            )
        )
    return merge_report(_QUERY, answers, report_no="JJJ-2026-000001", issued_at=_ISSUED)


def _penalty(region: Region, n: int, coverage: tuple[str, ...]) -> Penalty:
    return Penalty(
        region_code=region.code,
        record_id=f"{region.code}-{n}",
        domain=coverage[n % len(coverage)],
        subject_name="北京某某科技有限公司",
        subject_category=SubjectCategory.LEGAL_PERSON,
        uscc=_USCC,
        decision_no=f"京市监罚〔2025〕{n}号",
        violation_type="虚假宣传",
        violation_facts="当事人在其网站发布虚假广告，宣称其产品具有国家级认证，经查无此认证。",
        legal_basis="《中华人民共和国广告法》第五十五条",
        categories=(PenaltyCategory.FINE,),
        content="罚款人民币五万元",
        fine_amount=Decimal("5.0000"),
        decision_date=date(2025, 1, 1) + timedelta(days=n % 600),
        authority_name=f"{region.display_name}市场监督管理局",
        authority_uscc="11110105MB0123456F",
    )
