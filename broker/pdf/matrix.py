"""The domain × region matrix of the report PDF, drawn cheaply: one block of preformatted text on one
background image.

Why: as HTML boxes (a table, then inline blocks) the matrix was about 400 boxes — 45 domains × 3 regions in
two halves, plus the names — and weasyprint's cascade, layout and drawing of them were about 40 % of a 2-page
render. An SVG is no cheaper (weasyprint shapes SVG text glyph by glyph). Here the whole matrix is *one* box:

- the labels are one ``white-space: pre`` text, one line per row, columns aligned by tab stops
  (``tab-size`` of :data:`TAB_PX`): the domain column is 3 stops wide, each region's cell 2 stops, a half
  9 stops, so both halves share one line. Every label is real text in the embedded font, so pdftotext
  extracts each domain name and cell label as before;
- the coloured cells are a PNG the size of the block, in CSS pixels (one image pixel per CSS pixel, drawn
  without interpolation), so cell edges fall exactly on the tab stops.

Tab counts follow from advance widths, which are exact: hanzi and the ideographic space are 1 em, Noto Sans
CJK's digits 0.59 em (:data:`DIGIT_EM`). A tab moves to the next stop strictly after the pen, so a field that
ends at ``x`` needs ``stops_to_target - floor(x / TAB_PX)`` tabs; widths here never land on a stop.

Contract of :func:`matrix_parts`: ``rows`` are ``(domain name, [(state, label), ...])`` in report order,
``regions`` the short region names in each row's cell order; states are the keys of :data:`COLOURS`. Returns
the text and a ``data:image/png`` URI of the background; the stylesheet (``.matrix`` in ``report.css``) must
use the same :data:`TAB_PX`, :data:`ROW_PX` and font size.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Sequence

#: Cell colours (RGB) per state: the palette of ``report.css``'s legend.
COLOURS: dict[str, tuple[int, int, int]] = {
    "no_record": (0xC8, 0xE6, 0xC9),
    "records": (0xFF, 0xCC, 0x80),
    "not_covered": (0xE0, 0xE0, 0xE0),
    "not_answered": (0xEF, 0x9A, 0x9A),
}
_NAME = (0xF2, 0xF2, 0xF2)
_HEAD = (0xE6, 0xE6, 0xE6)
_WHITE = (0xFF, 0xFF, 0xFF)

TAB_PX = 38  # one tab stop, in CSS px (10.05 mm)
ROW_PX = 16  # line height, in CSS px (4.23 mm)
FONT_PX = 8 * 96 / 72  # 8 pt
DIGIT_EM = 0.59  # advance of an ASCII digit in Noto Sans CJK
NAME_STOPS = 3  # the domain column: 30 mm, room for 9 hanzi
CELL_STOPS = 2  # a region's cell: 20 mm
_IDEOGRAPHIC_SPACE = "\u3000"

Cell = tuple[str, str]
Row = tuple[str, Sequence[Cell]]


def _advance(text: str) -> float:
    """Width of ``text`` in px: digits are 0.59 em, everything else a report puts here is 1 em."""
    return sum(DIGIT_EM if ch.isascii() and ch.isdigit() else 1.0 for ch in text) * FONT_PX


def _field(text: str, stops: int, *, centre: bool) -> str:
    """``text`` in a field ``stops`` tab stops wide (fields begin on a stop), then the tabs to its end."""
    width = _advance(text)
    lead = round((stops * TAB_PX - width) / 2 / FONT_PX) if centre else 0
    lead = max(lead, 0)
    end = lead * FONT_PX + width
    if math.isclose(end % TAB_PX, 0, abs_tol=1.0) or math.isclose(end % TAB_PX, TAB_PX, abs_tol=1.0):
        lead += 1 if lead == 0 else -1  # keep the pen clear of a stop, where pango's choice is ambiguous
        end = lead * FONT_PX + width
    # A text wider than its field (no domain name is: at most 9 hanzi) still gets one tab: that row's later
    # columns shift right, but every label is printed.
    return _IDEOGRAPHIC_SPACE * lead + text + "\t" * max(1, stops - math.floor(end / TAB_PX))


def _line(row: Row) -> str:
    name, cells = row
    parts = [_field(name, NAME_STOPS, centre=False)]
    parts.extend(_field(label, CELL_STOPS, centre=True) for _, label in cells)
    return "".join(parts)


def _scanline(states: Sequence[Sequence[tuple[int, int, int]]]) -> bytes:
    """One image row: for each half, the name colour then each cell's, with a white pixel closing each field."""
    out = bytearray()
    for fields in states:
        for index, colour in enumerate(fields):
            width = (NAME_STOPS if index == 0 else CELL_STOPS) * TAB_PX
            out += bytes(colour) * (width - 1) + bytes(_WHITE)
    return bytes(out)


def _png(width: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)  # 8-bit RGB
    raw = b"".join(b"\x00" + row for row in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def matrix_parts(rows: Sequence[Row], regions: Sequence[str]) -> tuple[str, str]:
    """The matrix's text (tab-aligned lines, a header line first) and its background as a PNG data URI."""
    if not rows:
        raise ValueError("rows: the matrix has no domain")
    for name, cells in rows:
        if len(cells) != len(regions):
            raise ValueError(f"rows: {name!r} has {len(cells)} cells for {len(regions)} regions")
    half = (len(rows) + 1) // 2
    head: Row = ("领域", [("", short) for short in regions])
    lines = [_line(head) * 2]
    colour_lines = [[[_HEAD] * (1 + len(regions))] * 2]
    for index in range(half):
        pair = [rows[index]] + ([rows[index + half]] if index + half < len(rows) else [])
        lines.append("".join(_line(row) for row in pair).rstrip("\t"))
        colour_lines.append([[_NAME, *(COLOURS[state] for state, _ in row[1])] for row in pair])
    width = 2 * (NAME_STOPS + len(regions) * CELL_STOPS) * TAB_PX
    scanlines: list[bytes] = []
    for fields in colour_lines:
        line = _scanline(fields).ljust(width * 3, b"\xff")
        scanlines.extend([line] * (ROW_PX - 1))
        scanlines.append(b"\xff" * (width * 3))
    uri = "data:image/png;base64," + base64.b64encode(_png(width, scanlines)).decode("ascii")
    return "\n".join(lines), uri
