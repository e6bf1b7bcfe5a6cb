"""Fuzzing the 双公示 CSV import (issue 11): whatever a file holds, parsing never crashes, and a file is accepted
only when every row is good — a bad row is never imported."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.csv_import import parse_csv
from merge.identifiers import InvalidIdentifier, validate_uscc
from merge.records import Penalty
from merge.regions import Region

GOOD = (Path(__file__).parent / "data" / "good.csv").read_text(encoding="utf-8")
_ROWS = list(csv.reader(io.StringIO(GOOD)))
HEADER, BODY = _ROWS[0], _ROWS[1:]
USCC_COLUMNS = [i for i, name in enumerate(HEADER) if "统一社会信用代码" in name]

field_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "否", "是", "2024-02-30", "9999-99-99", "-1", "1e400", "NaN", "罚款", "\x00", "=cmd|x"]),
)


def _write(rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")  # noqa: SIM115
    with handle:
        handle.write(out.getvalue())
    return Path(handle.name)


def _assert_only_good_records(path: Path) -> None:
    try:
        result = parse_csv(path, Region.TIANJIN)
    finally:
        path.unlink()
    if not result.ok:
        assert not result.records  # all or nothing
        return
    for record in result.records:
        Penalty.model_validate(record.model_dump())  # every record is a valid record …
        validate_uscc(record.authority_uscc)  # … with checksummed identifiers
        if record.uscc:
            validate_uscc(record.uscc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.integers(0, len(BODY) - 1), column=st.integers(0, len(HEADER) - 1), value=field_text)
def test_one_changed_field_never_crashes_nor_sneaks_in(row: int, column: int, value: str) -> None:
    rows = [HEADER, *[list(r) for r in BODY]]
    rows[row + 1][column] = value
    _assert_only_good_records(_write(rows))


@settings(max_examples=60, deadline=None)
@given(row=st.integers(0, len(BODY) - 1), column=st.sampled_from(USCC_COLUMNS), position=st.integers(0, 17))
def test_a_mistyped_identifier_is_always_refused(row: int, column: int, position: int) -> None:
    rows = [HEADER, *[list(r) for r in BODY]]
    value = rows[row + 1][column]
    if len(value) != 18:
        return
    mistyped = value[:position] + ("1" if value[position] != "1" else "2") + value[position + 1 :]
    try:
        validate_uscc(mistyped)
        return  # a substitution that happens to keep the checksum: not a mistype
    except InvalidIdentifier:
        pass
    rows[row + 1][column] = mistyped
    path = _write(rows)
    try:
        assert not parse_csv(path, Region.TIANJIN).ok
    finally:
        path.unlink()


@settings(max_examples=80, deadline=None)
@given(lines=st.lists(st.lists(field_text, max_size=35), max_size=6))
def test_arbitrary_rows_never_crash(lines: list[list[str]]) -> None:
    _assert_only_good_records(_write([HEADER, *lines]))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    handle = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)  # noqa: SIM115
    with handle:
        handle.write(GOOD.split("\n", 1)[0].encode() + b"\n" + data)
    _assert_only_good_records(Path(handle.name))
