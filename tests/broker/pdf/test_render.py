"""render_pdf: Chinese that extracts, a footer and QR code on every page, the matrix, the JSON inside, PDF/A-3b."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from broker.pdf.render import render_html, render_pdf
from merge.canonical import canonical_json
from merge.domains import DOMAINS
from merge.identifiers import mask_resident_id
from tests.broker.pdf.conftest import (
    CODE,
    RESIDENT_ID,
    VERIFY_URL,
    complete_report,
    incomplete_report,
    page_count,
    pdf_a_3b_problems,
    pdftotext,
    person_report,
    render,
)


def flat(text: str) -> str:
    """pdftotext breaks lines inside table cells and banners: compare without whitespace."""
    return re.sub(r"\s+", "", text)


def run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path)], check=True, capture_output=True, text=True).stdout


def test_chinese_text_extracts(complete_pdf: bytes, tmp_path: Path) -> None:
    text = flat(pdftotext(complete_pdf, tmp_path))
    assert "京津冀公共信用信息报告" in text
    assert "天津某某科技有限公司" in text
    assert "市场监管" in text
    assert "第1页共" in text
    assert "JJJ-2026-000042" in text
    assert "2026年10月9日16:30（北京时间）" in text  # issue time in Beijing time
    # A character outside the pre-subset face comes from the full face and still extracts.
    assert "王喆" in text


def test_every_page_has_footer_code_qr_and_page_numbers(complete_pdf: bytes, tmp_path: Path) -> None:
    pages = page_count(complete_pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = flat(pdftotext(complete_pdf, tmp_path, page=page))
        assert f"核验码：{CODE}" in text
        assert f"第{page}页共{pages}页" in text
        assert "报告编号：JJJ-2026-000042" in text
    images = [line.split() for line in run("pdfimages", complete_pdf, tmp_path, "-list").splitlines()[2:]]
    # One square image per page, the QR code; the only other image is the matrix's background, on page 1.
    qr_pages = sorted(int(image[0]) for image in images if image[3] == image[4])
    assert qr_pages == list(range(1, pages + 1))
    assert [int(image[0]) for image in images if image[3] != image[4]] == [1]


def test_matrix_lists_every_domain_with_cell_states(complete_pdf: bytes, tmp_path: Path) -> None:
    text = flat(pdftotext(complete_pdf, tmp_path))
    for domain in DOMAINS:
        assert domain.name in text, domain.name
    assert "1条" in text  # Tianjin's penalty in 市场监管
    assert "无记录" in text
    assert "未覆盖" in text  # Hebei does not cover every domain


def test_unanswered_region_is_red_in_every_row(complete_pdf: bytes, incomplete_pdf: bytes, tmp_path: Path) -> None:
    def matrix(pdf: bytes) -> str:
        return flat(pdftotext(pdf, tmp_path)).split("二、分领域记录情况")[1].split("三、记录明细")[0]

    legend = matrix(complete_pdf).count("未应答")
    assert legend == 2  # the legend's swatch and its explanation: no cell of a complete report
    # Hebei timed out: its cell says 未应答 in each of the 45 rows, never 无记录.
    assert matrix(incomplete_pdf).count("未应答") == legend + len(DOMAINS)


def test_only_our_fonts_are_used_and_all_are_embedded(complete_pdf: bytes, tmp_path: Path) -> None:
    rows = run("pdffonts", complete_pdf, tmp_path).splitlines()[2:]
    assert rows
    for row in rows:
        name = row.split()[0].split("+")[-1]
        assert name.startswith("JJJ-Sans"), row
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, ToUnicode


def test_canonical_json_attached_byte_for_byte(tmp_path: Path) -> None:
    report = complete_report()
    data = canonical_json(report)
    pdf = render_pdf(report, verification_code=CODE, verify_url=VERIFY_URL, canonical_json=data)
    assert "report.json" in run("pdfdetach", pdf, tmp_path, "-list")
    out = tmp_path / "out.json"
    run("pdfdetach", pdf, tmp_path, "-save", "1", "-o", str(out))
    assert out.read_bytes() == data

    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    # One associated file, listed once (weasyprint 70 alone lists it twice).
    (spec,) = [ref.get_object() for ref in root["/AF"]]
    assert spec["/F"] == "report.json"
    assert spec["/AFRelationship"] == "/Source"
    assert spec["/EF"]["/F"]["/Subtype"] == "/application/json"  # written /application#2fjson


def test_pdf_a_3b_identification(complete_pdf: bytes, tmp_path: Path) -> None:
    root = PdfFileReader(io.BytesIO(complete_pdf), strict=False).root
    xmp = root["/Metadata"].data.decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    assert pdf_a_3b_problems(complete_pdf, canonical_json(complete_report()), tmp_path) == []


def test_incomplete_report_has_banner_on_every_page(incomplete_pdf: bytes, tmp_path: Path) -> None:
    report = incomplete_report()
    assert not report.complete
    pages = page_count(incomplete_pdf)
    for page in range(1, pages + 1):
        text = flat(pdftotext(incomplete_pdf, tmp_path, page=page))
        assert "【本报告不完整】" in text
        assert flat(report.notice) in text
        assert "不得替代无违法违规证明使用" in text
    whole = flat(pdftotext(incomplete_pdf, tmp_path))
    assert "未应答" in whole  # Hebei's column in the matrix
    assert "河北省超时" in whole  # the regions table


def test_complete_report_has_no_banner(complete_pdf: bytes, tmp_path: Path) -> None:
    text = flat(pdftotext(complete_pdf, tmp_path))
    assert "本报告不完整" not in text
    assert "完整（三地均已应答）" in text


def test_person_identifier_stays_masked(tmp_path: Path) -> None:
    report = person_report()
    pdf = render(report)
    text = flat(pdftotext(pdf, tmp_path))
    assert mask_resident_id(RESIDENT_ID) in text
    assert RESIDENT_ID not in text
    assert RESIDENT_ID[6:14] not in text  # not even the birth date digits
    out = tmp_path / "out.json"
    run("pdfdetach", pdf, tmp_path, "-save", "1", "-o", str(out))
    assert RESIDENT_ID not in out.read_text()


def test_html_escapes_record_content() -> None:
    report = complete_report()
    html = render_html(report, verification_code="<b>X</b>", verify_url=VERIFY_URL)
    assert "<b>X</b>" not in html
    assert "&lt;b&gt;X&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"verification_code": ""}, "verification_code"),
        ({"verify_url": ""}, "verify_url"),
        ({"canonical_json": b""}, "canonical_json"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str) -> None:
    report = complete_report()
    arguments: dict[str, object] = {"verification_code": CODE, "verify_url": VERIFY_URL, "canonical_json": b"{}"}
    arguments.update(changes)
    with pytest.raises(ValueError, match=field):
        render_pdf(report, **arguments)  # type: ignore[arg-type]
