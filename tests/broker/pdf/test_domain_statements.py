"""The listing edition's statement per domain and region (explicit_statement_per_domain), in the PDF and for the
report page; the standard edition prints none."""

from __future__ import annotations

from pathlib import Path

from broker.web.domain_statements import statements
from merge.answers import RegionAnswer, RegionStatus
from merge.domains import DOMAINS
from merge.editions import Edition
from merge.regions import Region
from merge.report import Report
from tests.broker.pdf.conftest import answered, build_report, pdftotext, penalty, render


def listing_report() -> Report:
    hebei_timeout = RegionAnswer(region_code=Region.HEBEI.code, status=RegionStatus.TIMED_OUT, latency_ms=3000.0)
    answers = [answered(Region.BEIJING), answered(Region.TIANJIN, penalty(Region.TIANJIN, 1)), hebei_timeout]
    return build_report(answers, edition=Edition.LISTING)


def test_every_domain_of_every_region_gets_a_sentence() -> None:
    report = listing_report()
    sentences = statements(report)
    assert len(sentences) == len(DOMAINS) * 3
    assert "天津市：市场监管领域有 1 条记录。" in sentences
    assert "北京市：税务领域无记录。" in sentences
    assert "河北省：出具时未应答，税务领域的情况不明，不能据此认定无记录。" in sentences
    not_covered = [s for s in sentences if s.startswith("天津市：未归集")]
    assert len(not_covered) == len(DOMAINS) - 40


def test_the_standard_edition_states_none() -> None:
    answers = [answered(Region.BEIJING), answered(Region.TIANJIN), answered(Region.HEBEI)]
    assert statements(build_report(answers)) == []


def test_the_pdf_prints_them(tmp_path: Path) -> None:
    text = pdftotext(render(listing_report()), tmp_path)
    flat = "".join(text.split())
    assert "逐领域逐地区说明" in flat
    assert "天津市：市场监管领域有1条记录。" in flat
    assert "北京市：税务领域无记录。" in flat
