"""broker/pdf/weasy.py: our parser, user-agent stylesheet and deflate level give the pages weasyprint's own give."""

from __future__ import annotations

import io
import random
import re
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pydyf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint import HTML

from broker.pdf import weasy
from broker.pdf.render import render_html, templates_dir
from merge.report import Report
from tests.broker.pdf.conftest import (
    CODE,
    VERIFY_URL,
    complete_report,
    incomplete_report,
    pdftotext,
    person_report,
    render,
)
from tests.broker.pdf.test_bilingual import going_abroad
from tests.broker.pdf.test_domain_statements import listing_report
from tests.broker.pdf.test_licences import licences_only


def _pages(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    """Every page rasterised by poppler (a reader nobody here wrote), as raw pixels."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", str(path), str(tmp_path / name)], check=True)
    return [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.ppm"))]


def _word_boxes(pdf: bytes, tmp_path: Path) -> str:
    """Every word with its bounding box, as poppler's pdftotext gives them (to a hundredth of a point)."""
    path = tmp_path / "boxes.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _described(pdf: bytes, tmp_path: Path) -> str:
    """What is not drawn: the info dictionary and XMP as pdfinfo shows them (file size and dates left out), and
    the outline's titles."""
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    meta = subprocess.run(["pdfinfo", "-meta", str(path)], check=True, capture_output=True, text=True).stdout
    kept = [line for line in info.splitlines() if not line.startswith(("File size", "CreationDate", "ModDate"))]
    return "\n".join([*kept, meta, *_outline(pdf)])


def _outline(pdf: bytes) -> list[str]:
    """The bookmarks' titles, depth first, each indented by its level."""
    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    titles: list[str] = []

    def walk(item: Any, depth: int) -> None:
        while item is not None:
            item = item.get_object()
            titles.append("  " * depth + str(item["/Title"]))
            walk(item.get("/First"), depth + 1)
            item = item.get("/Next")

    walk(root["/Outlines"].get("/First") if "/Outlines" in root else None, 0)
    return titles


def _stock(markup: str, base_url: str) -> HTML:
    return HTML(string=markup, base_url=base_url)


VARIANTS = pytest.mark.parametrize(
    "make",
    [complete_report, incomplete_report, lambda: going_abroad(incomplete_report()), person_report, licences_only,
     listing_report],
    ids=["complete", "incomplete", "bilingual", "person", "licences", "listing"],
)  # fmt: skip


@VARIANTS
def test_the_pages_are_weasyprints_own(make: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report: Report = make()  # type: ignore[operator]
    ours = render(report)
    # The reference: weasyprint's HTML5 parser and user-agent stylesheet, pydyf's own deflate level.
    monkeypatch.setattr(weasy, "report_html", _stock)
    monkeypatch.setattr(pydyf, "zlib", zlib)
    stock = render(report)
    assert ours != stock  # not the same path twice: at least the streams are compressed differently
    # Every word where weasyprint's own path puts it, and the same metadata and outline.
    assert _word_boxes(ours, tmp_path) == _word_boxes(stock, tmp_path)
    assert _described(ours, tmp_path) == _described(stock, tmp_path)
    assert _outline(ours), "no bookmarks: the h1–h3 bookmark rules did not apply"
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


@VARIANTS
def test_every_variant_of_the_template_is_well_formed_xml(make: object) -> None:
    report: Report = make()  # type: ignore[operator]
    markup = render_html(report, verification_code=CODE, verify_url=VERIFY_URL)
    root = ET.fromstring(markup)  # noqa: S314 - our own template's output
    assert root.tag == "html"
    assert {element.tag for element in root.iter()} <= weasy.UA_ELEMENTS


def test_markup_the_xml_parser_refuses_goes_through_the_html5_parser(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    markup = "<html><body><p>控制字符\x01之后 & 未转义</p></body></html>"
    with pytest.raises(ET.ParseError):
        ET.fromstring(markup)  # noqa: S314
    document = weasy.report_html(markup, str(templates_dir()))
    assert "not well-formed XML at (1, " in caplog.text
    assert "之后" not in caplog.text  # the position, never the text
    assert "之后" in pdftotext(document.write_pdf(), tmp_path)


def test_both_paths_resolve_relative_urls_against_the_same_base() -> None:
    base = str(templates_dir())
    ours = weasy.report_html("<html><body/></html>", base)
    theirs = HTML(string="<html><body/></html>", base_url=base)
    assert ours.base_url == theirs.base_url
    assert ours.base_url.startswith("file://")


def test_pydyf_streams_are_deflated_at_our_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pydyf, "zlib", zlib)  # restored afterwards, whatever use_deflate_level sets
    rng = random.Random(15)
    words = [bytes(rng.choices(b"abcdefghij", k=rng.randint(2, 9))) for _ in range(300)]
    data = b" ".join(rng.choices(words, k=20_000))
    assert zlib.compress(data, 9) != zlib.compress(data, weasy.DEFLATE_LEVEL)  # the levels tell apart on it
    weasy.use_deflate_level()
    stream = pydyf.Stream([data], compress=True)
    assert zlib.compress(data, weasy.DEFLATE_LEVEL) in stream.data
