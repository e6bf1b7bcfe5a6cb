"""A person's report for going abroad: the PDF in Chinese and English side by side; any other stays Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from broker.pdf.bilingual import PHRASES, english
from broker.pdf.render import render_html
from merge.report import Report
from tests.broker.pdf.conftest import CODE, VERIFY_URL, complete_report, pdftotext, person_report, render


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def going_abroad(report: Report) -> Report:
    return report.model_copy(update={"purpose": "going_abroad", "purpose_name": "出国（境）工作学习"})


def test_every_phrase_of_the_pdf_has_its_english() -> None:
    for phrase in PHRASES:
        assert english(phrase) != phrase
    with pytest.raises(KeyError):
        english("目录里没有的一句话")


def test_going_abroad_prints_headings_labels_and_statements_in_both_languages(tmp_path: Path) -> None:
    text = flat(pdftotext(render(going_abroad(person_report())), tmp_path))
    for chinese, english_text in (
        ("一、各地区应答情况", "1.Theregions’answers"),
        ("报告编号", "Reportnumber"),
        ("处罚决定日期", "Dateofdecision"),
        ("出国（境）工作学习", "Workingorstudyingabroad"),
        ("已应答", "Answered"),
        ("卫生健康", "Health"),
        ("应答部分由北京市签名", "Beijing’sanswerissignedbyBeijing(certificate:"),
        ("合并后共", "recordsaftermerging"),
        ("核验码", "Verificationcode"),
        ("报送地区", "Reportedby"),
    ):
        assert chinese in text
        assert english_text in text, english_text
    assert "李某某" in text  # names stay as the region sent them
    assert "Beijing,TianjinandHebeihaveallanswered" in text


def test_other_reports_stay_chinese_only() -> None:
    review = person_report().model_copy(update={"purpose": "qualification_review", "purpose_name": "资质审核"})
    for report in (review, complete_report()):
        html = render_html(report, verification_code=CODE, verify_url=VERIFY_URL)
        assert "Report number" not in html
        assert 'lang="en"' not in html
