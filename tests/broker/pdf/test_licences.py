"""The PDF's 行政许可 section: a report's licences listed apart from the records, never counted as them; an expired one
marked; in English too where the report is bilingual."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from broker.pdf.context import report_context
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.records import Licence, LicenceCategory
from merge.regions import Region
from merge.report import Report, ReportQuery
from tests.broker.pdf.conftest import (
    CODE,
    RESIDENT_ID,
    USCC,
    VERIFY_URL,
    answered,
    build_report,
    pdftotext,
    penalty,
    render,
)


def licence(region: Region, n: int, **changes: Any) -> Licence:
    fields: dict[str, Any] = {
        "region_code": region.code,
        "record_id": f"{region.code}-licence-{n}",
        "domain": "market_regulation",
        "subject_name": "天津某某科技有限公司",
        "uscc": USCC,
        "document_name": "食品经营许可决定书",
        "document_no": f"津市监食许〔2025〕{n}号",
        "category": LicenceCategory.ORDINARY,
        "certificate_name": "食品经营许可证",
        "licence_no": f"JY1120116{n:07d}",
        "content": "预包装食品销售",
        "decided_on": date(2025, 4, 10),
        "valid_from": date(2025, 4, 10),
        "valid_until": date(2030, 4, 9),
        "authority_name": "天津市滨海新区市场监督管理局",
    }
    fields.update(changes)
    return Licence.model_validate(fields)


def licences_only(edition: Edition = Edition.STANDARD) -> Report:
    """Tianjin holds two licences of the subject (one expired since), no violation anywhere."""
    expired = licence(
        Region.TIANJIN, 2, document_name="排污许可决定书", document_no="津环许〔2023〕5号",
        category=LicenceCategory.APPROVAL, certificate_name="排污许可证", content="排放大气污染物",
        decided_on=date(2023, 7, 1), valid_from=date(2023, 7, 1), valid_until=date(2026, 6, 30),
        authority_name="天津市生态环境局", domain="ecology_environment",
    )  # fmt: skip
    answers = [answered(Region.BEIJING), answered(Region.TIANJIN, licence(Region.TIANJIN, 1), expired),
               answered(Region.HEBEI)]  # fmt: skip
    return build_report(answers, edition=edition)


def flat(pdf: bytes, tmp_path: Path) -> str:
    return re.sub(r"\s+", "", pdftotext(pdf, tmp_path))


def test_a_report_with_only_licences_is_clean_and_prints_them_in_their_section(tmp_path: Path) -> None:
    report = licences_only()
    assert report.complete
    assert report.summary.total_records == 0
    text = flat(render(report), tmp_path)
    assert "行政许可（2条）" in text
    assert "行政许可不是违法违规记录，不影响上述记录情况和各领域说明。" in text
    assert "食品经营许可决定书津市监食许〔2025〕1号" in text
    assert "许可类别：普通" in text
    assert "许可编号：JY11201160000001" in text
    assert "有效期至：2030年4月9日" in text
    # The expired one is marked in its heading, the valid one not; the records' count is that of the violations.
    assert text.count("许可已过期") == 1
    assert "排污许可决定书津环许〔2023〕5号天津市生态环境局许可已过期报送地区：天津市" in text
    assert "合并后共0条。" in text
    assert "已应答地区未报送本版本应列示的记录" in text


def test_the_pdf_context_lists_the_licences_newest_first_with_their_marks() -> None:
    context = report_context(licences_only(), verification_code=CODE, verify_url=VERIFY_URL)
    assert [item["heading"] for item in context["licences"]] == [
        "食品经营许可决定书 津市监食许〔2025〕1号　天津市滨海新区市场监督管理局",
        "排污许可决定书 津环许〔2023〕5号　天津市生态环境局",
    ]
    assert [item["marks"] for item in context["licences"]] == [[], ["许可已过期"]]
    assert {item["reported_by"] for item in context["licences"]} == {"天津市"}
    assert context["record_groups"] == []


def test_a_report_without_licences_prints_no_section(tmp_path: Path) -> None:
    report = build_report([answered(Region.BEIJING), answered(Region.TIANJIN, penalty(Region.TIANJIN, 1)),
                           answered(Region.HEBEI)])  # fmt: skip
    assert report.licences == ()
    assert "行政许可（" not in flat(render(report), tmp_path)


def test_the_listing_editions_statements_say_no_record_where_only_licences_are(tmp_path: Path) -> None:
    text = flat(render(licences_only(Edition.LISTING)), tmp_path)
    assert "天津市：市场监管领域无记录。" in text
    assert "天津市：生态环境领域无记录。" in text
    assert "行政许可（2条）" in text


def test_a_bilingual_report_names_the_section_and_the_mark_in_english(tmp_path: Path) -> None:
    person = ReportQuery(
        subject=Subject(SubjectKind.PERSON, RESIDENT_ID), edition=Edition.PERSON, purpose="going_abroad",
        window_from=date(2023, 10, 9), window_to=date(2026, 10, 8), application_date=date(2026, 10, 9),
    )  # fmt: skip
    held = licence(
        Region.BEIJING, 3, region_code=Region.BEIJING.code, subject_name="李某某", uscc="", id_number=RESIDENT_ID,
        document_name="医师执业注册决定书", document_no="京卫医许〔2021〕3号", category=LicenceCategory.RECOGNITION,
        decided_on=date(2021, 3, 1), valid_from=date(2021, 3, 1), valid_until=date(2026, 2, 28), domain="health",
    )  # fmt: skip
    answers = [answered(Region.BEIJING, held, query=person), answered(Region.TIANJIN, query=person),
               answered(Region.HEBEI, query=person)]  # fmt: skip
    report = build_report(answers, subject=Subject(SubjectKind.PERSON, RESIDENT_ID), edition=Edition.PERSON)
    text = pdftotext(render(report), tmp_path)
    squeezed = " ".join(text.split())
    assert "Administrative licences" in squeezed
    assert "Licence expired" in squeezed
    assert RESIDENT_ID not in text  # the holder's number is masked
    assert "110105********002X" in text
