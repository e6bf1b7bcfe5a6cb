"""A :class:`~merge.report.Report` as a PDF/A-3b document: jinja2 (``templates/report.html.j2``) + weasyprint.

Contract of :func:`render_pdf`:

- A4, Chinese, set only in the fonts of :mod:`broker.pdf.fonts` (embedded, subset).
- Every page carries the report number, the verification code, a QR code of ``verify_url`` and "第 x 页 共 y
  页"; an incomplete report (``complete`` false, invariant 1) carries a red banner with ``report.notice`` on
  every page.
- The matrix shows every row of ``report.matrix`` (45 domains × 3 regions), each cell coloured and labelled.
- ``canonical_json`` is embedded unchanged as ``report.json`` (``/AFRelationship /Source``, as PDF/A-3 asks of
  an associated file), listed once in the catalog's ``/AF``.
- PDF 1.7 throughout (header, no catalog ``/Version``), so that the signature :mod:`broker.pdf.sign` adds keeps
  it the PDF/A-3b file its XMP metadata claims.
- Only what the Report holds is printed: a person's identifier is masked there already and stays masked.

The expensive, reusable parts (font configuration with its ``@font-face`` faces, the parsed stylesheets, the
jinja environment) are built once per process by :func:`warm_up`; later renders only lay out and write. Parsing,
the user-agent stylesheet and the deflate level are :mod:`broker.pdf.weasy`'s (a fifth of a render, same pages).

What a render costs is mostly weasyprint's per-box work (cascade, layout, drawing), so the template keeps boxes
few: the matrix is one text block on one image (:mod:`broker.pdf.matrix`), the running header and footer use
floats (margin boxes are laid out per page, and flex layout there cost ~10 % of a render). Streams stay
compressed: ``uncompressed_pdf`` saved only ~10 % of a 2-page render for a file 2.7 times the size.
"""

from __future__ import annotations

import atexit
import gc
import io
from dataclasses import dataclass
from datetime import UTC
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from broker.pdf import fonts, weasy
from broker.pdf.context import report_context
from broker.pdf.sample import sample_report
from merge.report import Report

PDF_VARIANT = "pdf/a-3b"
ATTACHMENT_NAME = "report.json"
# ISO 32000-2 7.11.3: the JSON is what the document was rendered from.
ATTACHMENT_RELATIONSHIP = "Source"


def templates_dir() -> Path:
    """The PDF's template and stylesheet: package data of :mod:`broker.pdf` (weasyprint reads files by path)."""
    directory = Path(str(resources.files("broker.pdf") / "templates"))
    if not (directory / "report.html.j2").is_file():
        raise FileNotFoundError(f"report template not found in {directory}")
    return directory


#: The PDF/A output intent: weasyprint's own sRGB profile, declared in CSS so that it is read once per
#: process (weasyprint's built-in ``output_intent="srgb"`` re-reads the file per render and leaves it open).
_OUTPUT_INTENT = "--jjj-srgb"


@dataclass(frozen=True, slots=True)
class _Engine:
    template: jinja2.Template
    font_config: Any  # weasyprint.text.fonts.FontConfiguration
    color_profiles: dict[str, Any]
    stylesheets: list[Any]  # weasyprint.CSS


@cache
def _engine() -> _Engine:
    # Imported here: weasyprint loads pango and fontconfig at import, which no other part of the broker needs.
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    directory = templates_dir()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    font_config = FontConfiguration()
    profiles: dict[str, Any] = {}
    srgb = Path(str(resources.files("weasyprint.pdf") / "sRGB2014.icc"))
    faces = CSS(
        string=fonts.font_face_css(fonts.ensure_fonts())
        + f'@color-profile {_OUTPUT_INTENT} {{ src: url("{srgb.as_uri()}"); components: r, g, b }}',
        font_config=font_config,
        color_profiles=profiles,
    )
    style = CSS(filename=str(directory / "report.css"), font_config=font_config)
    weasy.prepare()
    atexit.register(_release_engine)
    return _Engine(env.get_template("report.html.j2"), font_config, profiles, [faces, style])


def _release_engine() -> None:
    """Drop this process's engine while the interpreter is still whole (registered with atexit).

    weasyprint's FontConfiguration removes its temporary font folder in ``__del__``; left to interpreter
    shutdown, that runs after the module globals it needs are gone, prints a traceback and leaves the folder
    behind in the temporary directory — once per process that rendered a PDF.
    """
    _engine.cache_clear()
    gc.collect()


def engine_ready() -> None:
    """Build this process's engine (fonts, font configuration, stylesheets, template) now, not on a render."""
    _engine()


def warm_up() -> bytes:
    """Build this process's engine and render a sample report (incomplete, so the banner is drawn too), so
    that the first real render is as fast as the rest; returns that PDF (to warm up signing with)."""
    report = sample_report(2, complete=False)
    return render_pdf(
        report, verification_code="WARM-UP", verify_url="https://example.invalid/verify", canonical_json=b"{}"
    )


def render_html(report: Report, *, verification_code: str, verify_url: str) -> str:
    """The filled template (useful to inspect the document without a PDF viewer)."""
    if not verification_code:
        raise ValueError("verification_code: must not be empty")
    context = report_context(report, verification_code=verification_code, verify_url=verify_url)
    html: str = _engine().template.render(context)
    return html


def render_pdf(report: Report, *, verification_code: str, verify_url: str, canonical_json: bytes) -> bytes:
    """The report as PDF/A-3b bytes, with ``canonical_json`` attached as ``report.json``."""
    from weasyprint import Attachment

    if not canonical_json:
        raise ValueError("canonical_json: must not be empty")
    engine = _engine()
    html = render_html(report, verification_code=verification_code, verify_url=verify_url)
    # weasyprint writes these as UTC ("...Z"); the issue time makes the attachment dates reproducible.
    stamp = report.issued_at.astimezone(UTC).replace(tzinfo=None)
    attachment = Attachment(
        file_obj=io.BytesIO(canonical_json),
        name=ATTACHMENT_NAME,
        description=f"报告 {report.report_no} 的规范化 JSON（jjj.report/1）",
        created=stamp,
        modified=stamp,
        relationship=ATTACHMENT_RELATIONSHIP,
    )
    pdf: bytes = weasy.report_html(html, str(templates_dir())).write_pdf(
        stylesheets=engine.stylesheets,
        font_config=engine.font_config,
        color_profiles=engine.color_profiles,
        attachments=[attachment],
        pdf_variant=PDF_VARIANT,
        output_intent=_OUTPUT_INTENT,
        finisher=_list_associated_files_once,
    )
    return pdf


def _list_associated_files_once(_document: Any, pdf: Any) -> None:
    """weasyprint 70 adds each attachment to the catalog's ``/AF`` twice (once found through ``/EmbeddedFiles``,
    once as a file specification object); an associated file is one entry (ISO 19005-3 6.8)."""
    associated = pdf.catalog.get("AF")
    if associated is None:
        return
    unique = list(dict.fromkeys(associated))
    associated.clear()
    associated.extend(unique)
