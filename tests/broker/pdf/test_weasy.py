"""broker/pdf/weasy.py: our parser, user-agent stylesheet and deflate level give the pages weasyprint's own give."""

from __future__ import annotations

import random
import re
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pydyf
import pytest
from weasyprint import HTML

from broker.pdf import render as render_module
from broker.pdf import weasy
from broker.pdf.render import render_html, templates_dir
from merge.report import Report
from tests.broker.pdf.conftest import CODE, VERIFY_URL, complete_report, incomplete_report, person_report, render
from tests.broker.pdf.test_bilingual import going_abroad
from tests.broker.pdf.test_domain_statements import listing_report
from tests.broker.pdf.test_licences import licences_only


def _pages(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    """Every page rasterised by poppler (a reader nobody here wrote), as raw pixels."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", str(path), str(tmp_path / name)], check=True)
    return [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.ppm"))]


def _stock(markup: str, base_url: str) -> HTML:
    return HTML(string=markup, base_url=base_url)


@pytest.mark.parametrize(
    "make",
    [complete_report, incomplete_report, lambda: going_abroad(incomplete_report()), person_report, licences_only],
    ids=["complete", "incomplete", "bilingual", "person", "licences"],
)
def test_the_pages_are_weasyprints_own(make: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report: Report = make()  # type: ignore[operator]
    ours = render(report)
    # The reference: weasyprint's HTML5 parser and user-agent stylesheet, pydyf's own deflate level.
    monkeypatch.setattr(render_module.weasy, "report_html", _stock)
    monkeypatch.setattr(pydyf, "zlib", zlib)
    stock = render(report)
    assert ours != stock  # not the same path twice: at least the streams are compressed differently
    ours_pages, stock_pages = _pages(ours, tmp_path, "ours"), _pages(stock, tmp_path, "stock")
    assert len(ours_pages) == len(stock_pages) >= 1
    for number, (mine, theirs) in enumerate(zip(ours_pages, stock_pages, strict=True), start=1):
        assert mine == theirs, f"page {number} differs"


def test_the_template_uses_only_the_elements_the_user_agent_stylesheet_styles() -> None:
    source = (templates_dir() / "report.html.j2").read_text(encoding="utf-8")
    used = set(re.findall(r"<([a-z][a-z0-9]*)", source))
    assert used, "no element found: the pattern no longer matches the template"
    assert used <= weasy.UA_ELEMENTS, f"style these in templates/ua.css first: {sorted(used - weasy.UA_ELEMENTS)}"
    styled = (templates_dir() / "ua.css").read_text(encoding="utf-8")
    for element in weasy.UA_ELEMENTS - {"span", "img", "b"}:  # inline by default; b and img have rules, span none
        assert re.search(rf"(^|[\s,>]){element}[\s,{{]", styled, re.MULTILINE), f"ua.css has no rule for {element}"


@pytest.mark.parametrize(
    "make",
    [complete_report, incomplete_report, lambda: going_abroad(incomplete_report()), person_report, licences_only,
     listing_report],
    ids=["complete", "incomplete", "bilingual", "person", "licences", "listing"],
)  # fmt: skip
def test_every_variant_of_the_template_is_well_formed_xml(make: object) -> None:
    report: Report = make()  # type: ignore[operator]
    markup = render_html(report, verification_code=CODE, verify_url=VERIFY_URL)
    root = ET.fromstring(markup)  # noqa: S314 - our own template's output
    assert root.tag == "html"
    assert {element.tag for element in root.iter()} <= weasy.UA_ELEMENTS


def test_markup_the_xml_parser_refuses_goes_through_the_html5_parser(tmp_path: Path) -> None:
    markup = "<html><body><p>控制字符\x01之后 & 未转义</p></body></html>"
    with pytest.raises(ET.ParseError):
        ET.fromstring(markup)  # noqa: S314
    document = weasy.report_html(markup, str(templates_dir()))
    path = tmp_path / "fallback.pdf"
    path.write_bytes(document.write_pdf())
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "之后" in text


def test_pydyf_streams_are_deflated_at_our_level() -> None:
    rng = random.Random(15)
    words = [bytes(rng.choices(b"abcdefghij", k=rng.randint(2, 9))) for _ in range(300)]
    data = b" ".join(rng.choices(words, k=20_000))
    assert zlib.compress(data, 9) != zlib.compress(data, weasy.DEFLATE_LEVEL)  # the levels tell apart on it
    weasy.use_deflate_level()
    stream = pydyf.Stream([data], compress=True)
    assert zlib.compress(data, weasy.DEFLATE_LEVEL) in stream.data
