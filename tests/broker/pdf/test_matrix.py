"""matrix_parts: tab-aligned text whose columns land on the background image's coloured cells."""

from __future__ import annotations

import base64
import math
import struct
import zlib

import pytest

from broker.pdf.matrix import (
    CELL_STOPS,
    COLOURS,
    DIGIT_EM,
    FONT_PX,
    NAME_STOPS,
    ROW_PX,
    TAB_PX,
    matrix_parts,
)
from merge.domains import DOMAINS

REGIONS = ["北京", "天津", "河北"]
STATES = ["no_record", "records", "not_covered", "not_answered"]


def rows(count: int = len(DOMAINS)) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for index, domain in enumerate(DOMAINS[:count]):
        cells = []
        for column in range(len(REGIONS)):
            state = STATES[(index + column) % len(STATES)]
            cells.append((state, f"{index * 7 + column}条" if state == "records" else "无记录"))
        out.append((domain.name, cells))
    return out


def field_starts(line: str) -> list[tuple[float, str]]:
    """Where each field's text begins (px), laying the line out as pango does: a tab goes to the next stop."""
    pen = 0.0
    starts: list[tuple[float, str]] = []
    for index, field in enumerate(line.split("\t")):
        if index:
            pen = (math.floor(pen / TAB_PX) + 1) * TAB_PX
        if field:
            starts.append((pen, field.lstrip("\u3000")))
        for ch in field:
            pen += (DIGIT_EM if ch.isascii() and ch.isdigit() else 1.0) * FONT_PX
    return starts


def decode_png(uri: str) -> tuple[int, int, list[bytes]]:
    data = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    width, height = struct.unpack(">II", data[16:24])
    assert data[24:26] == b"\x08\x02"  # 8-bit RGB
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    raw = zlib.decompress(idat)
    stride = 1 + 3 * width
    return width, height, [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]


def pixel(scanlines: list[bytes], x: float, y: float) -> tuple[int, ...]:
    line = scanlines[int(y)]
    return tuple(line[int(x) * 3 : int(x) * 3 + 3])


def test_every_label_starts_inside_its_own_cell_of_the_background() -> None:
    matrix = rows()
    text, uri = matrix_parts(matrix, REGIONS)
    lines = text.split("\n")
    half = (len(matrix) + 1) // 2
    assert len(lines) == 1 + half
    width, height, scanlines = decode_png(uri)
    assert (width, height) == (2 * (NAME_STOPS + 3 * CELL_STOPS) * TAB_PX, len(lines) * ROW_PX)

    half_px = (NAME_STOPS + 3 * CELL_STOPS) * TAB_PX
    for number, line in enumerate(lines[1:], start=1):
        fields = field_starts(line)
        expected = [matrix[number - 1]] + ([matrix[number - 1 + half]] if number - 1 + half < len(matrix) else [])
        assert len(fields) == 4 * len(expected), line
        for side, (name, cells) in enumerate(expected):
            origin = side * half_px
            name_x, name_text = fields[4 * side]
            assert (name_x, name_text) == (origin, name)
            for column, (state, label) in enumerate(cells):
                x, shown = fields[4 * side + 1 + column]
                left = origin + (NAME_STOPS + column * CELL_STOPS) * TAB_PX
                assert shown == label
                assert left <= x < left + CELL_STOPS * TAB_PX - 10, (name, label, x)
                # The background under the label has that state's colour.
                assert pixel(scanlines, x + 2, (number + 0.5) * ROW_PX) == COLOURS[state], (name, state)


def test_header_names_the_regions_twice() -> None:
    text, _ = matrix_parts(rows(4), REGIONS)
    head = [label for _, label in field_starts(text.split("\n")[0])]
    assert head == ["领域", *REGIONS] * 2


@pytest.mark.parametrize(
    ("matrix", "field"),
    [([], "rows"), ([("人防", [("no_record", "无记录")])], "rows")],
)
def test_bad_input_names_the_field(matrix: list[tuple[str, list[tuple[str, str]]]], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        matrix_parts(matrix, REGIONS)
