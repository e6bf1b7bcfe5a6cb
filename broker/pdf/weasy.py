"""Three of weasyprint's general-purpose steps, replaced for our one template: together about a fifth of a report
render's CPU, for the same pages (tests/broker/pdf/test_weasy.py rasterises both and compares every pixel).

- **The user-agent stylesheet.** weasyprint cascades its whole HTML5 stylesheet (~190 rules, many of them
  attribute selectors such as ``[dir=ltr i] :is(dir, menu, ol, ul)`` that are tried on every element) for every
  render. ``templates/ua.css`` holds what that stylesheet gives the elements ``report.html.j2`` uses, and nothing
  else: ~16 % of a 12-record render. :data:`UA_ELEMENTS` names those elements; the test renders the template in
  every variant and fails on an element outside it.
- **Parsing.** The template writes well-formed XHTML (with every ``<tbody>`` an HTML parser would add), which the
  C XML parser of the standard library reads into the element tree of weasyprint's pure-Python HTML5 parser
  (tinyhtml5) but for whitespace-only text, in a tenth of the time (~4 %). A document the XML parser refuses (a
  control character in a record's text, say) goes through tinyhtml5 as before, with a warning naming the position.
  Safe for our input: every value is autoescaped by jinja, the only DOCTYPE is the template's, and ElementTree
  neither loads external entities nor expands nested ones without bound (expat's billion-laughs protection).
- **Deflate level.** pydyf compresses every stream at zlib level 9; level 6 (zlib's own default) writes a file
  0.4 % larger in about half the time (~8 %). pydyf has no setting for it, so :func:`use_deflate_level` gives its
  module a ``zlib`` whose ``compressobj`` and ``compress`` use our level: only the processes that render PDFs
  import pydyf, and nothing else calls it there.

The classes below use two non-public parts of weasyprint 70's ``HTML`` (``_ua_stylesheets`` and the attributes
its constructor sets); ``pyproject.toml`` keeps weasyprint within the major version they were read from.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
import zlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger("jjj.broker.pdf")

#: The elements ``templates/ua.css`` styles as the HTML5 user-agent stylesheet would (anything else the
#: template used would be laid out as an unstyled inline box, so the test requires the template to use no other).
UA_ELEMENTS = frozenset(
    {
        "html", "head", "meta", "title", "body", "header", "footer", "div", "p", "span", "b", "img",
        "h1", "h2", "h3", "ul", "ol", "li", "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
DEFLATE_LEVEL = 6


@cache
def _ua_stylesheet() -> Any:
    from weasyprint import CSS

    return CSS(filename=str(Path(str(resources.files("broker.pdf") / "templates" / "ua.css"))))


@cache
def _html_class() -> type[Any]:
    """weasyprint's ``HTML`` with our user-agent stylesheet, and a constructor from a parsed tree (built once:
    weasyprint is imported only where PDFs are rendered)."""
    import cssselect2
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, ensure_url

    class ReportHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [_ua_stylesheet()]

        @classmethod
        def from_tree(cls, root: ET.Element, base_url: str) -> ReportHTML:
            # What HTML.__init__ sets once tinyhtml5 has parsed (the template writes no <base>).
            html: ReportHTML = cls.__new__(cls)
            html.base_url = ensure_url(base_url)
            html.url_fetcher = URLFetcher()
            html.media_type = "print"
            html.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            html.etree_element = html.wrapper_element.etree_element
            return html

    return ReportHTML


def report_html(markup: str, base_url: str) -> Any:
    """A weasyprint ``HTML`` document of the template's output, styled by our user-agent stylesheet."""
    cls = _html_class()
    try:
        root = ET.fromstring(markup)  # noqa: S314 - our template's output (autoescaped), see the module docstring
    except (ET.ParseError, UnicodeEncodeError) as exc:
        # The position only: the text at it may be a record's.
        where = getattr(exc, "position", None) or (getattr(exc, "start", None),)
        log.warning("report markup is not well-formed XML at %s: parsed as HTML5 instead", where)
        return cls(string=markup, base_url=base_url)
    return cls.from_tree(root, base_url)


class _Deflate:
    """The two functions of :mod:`zlib` pydyf calls, at :data:`DEFLATE_LEVEL` whatever level it asks for."""

    def __init__(self, level: int) -> None:
        self.level = level

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(self.level, *args, **kwargs)

    def compress(self, data: bytes, level: int = -1) -> bytes:
        return zlib.compress(data, self.level)

    def __getattr__(self, name: str) -> Any:  # anything else pydyf might use, as zlib has it
        return getattr(zlib, name)


def prepare() -> None:
    """Set this process up to render: the deflate level, the user-agent stylesheet and the document class."""
    use_deflate_level()
    _ua_stylesheet()
    _html_class()


def use_deflate_level(level: int = DEFLATE_LEVEL) -> None:
    """Make pydyf compress this process's PDF streams at ``level`` (see the module docstring)."""
    import pydyf

    pydyf.zlib = _Deflate(level)
