"""双公示 CSV import: all rows or none, every bad row named, re-import is a no-op, encodings."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters import csv_layout as col
from adapters.csv_import import import_csv, parse_csv
from adapters.csv_rows import parse_date
from adapters.seed import generate
from adapters.store import SqlRecordStore, record_id_for
from merge.records import Penalty, PenaltyCategory, Procedure, RepairStatus, SubjectCategory
from merge.regions import Region

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good.csv"
BAD = DATA / "bad.csv"
TODAY = date(2026, 11, 1)


def write_rows(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = col.COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(GOOD.read_text(encoding="utf-8"), newline="")))


def test_good_file_parses_every_field() -> None:
    result = parse_csv(GOOD, Region.TIANJIN, today=TODAY)
    assert result.ok, result.errors
    assert result.rows == 5
    first, shop, person, not_penalised, revoked = result.records
    assert first.subject_category is SubjectCategory.LEGAL_PERSON
    assert first.violation_facts.count("\n") == 1  # a quoted field spanning two lines
    assert first.categories == (PenaltyCategory.FINE, PenaltyCategory.CONFISCATE_ILLEGAL_GAINS)
    assert (first.fine_amount, first.confiscated_amount) == (Decimal("2.5"), Decimal("0.125"))
    assert (first.valid_until, first.publicity_until) == (date(2024, 9, 18), date(2027, 3, 18))
    assert (first.repair_status, first.repaired_on) == (RepairStatus.REPAIRED, date(2025, 4, 1))
    assert first.domain == "market_regulation"
    assert shop.domain == "market_regulation"
    assert shop.procedure is Procedure.SIMPLE
    assert shop.subject_category is SubjectCategory.INDIVIDUAL_BUSINESS
    assert (person.uscc, person.id_type, person.id_number) == ("", "身份证", "120101198001011234")
    assert person.categories == (PenaltyCategory.DETENTION, PenaltyCategory.FINE)
    assert person.procedure is Procedure.ORDINARY
    assert person.repair_status is RepairStatus.NONE
    assert not_penalised.not_penalised
    assert not_penalised.categories == ()
    assert not_penalised.objection_open
    assert revoked.license_ref.startswith("排污许可证")
    assert revoked.repair_status is RepairStatus.IN_PROGRESS
    assert all(r.region_code == "120000" for r in result.records)
    assert all(r.record_id == record_id_for(r.dedup_key) for r in result.records)


async def test_good_file_imports_once(store: SqlRecordStore) -> None:
    report = await import_csv(store, GOOD, Region.TIANJIN)
    assert report.ok
    assert (report.new, report.already_present) == (5, 0)
    again = await import_csv(store, GOOD, Region.TIANJIN)
    assert again.ok
    assert (again.new, again.already_present) == (0, 5)
    assert await store.count() == 5


async def test_bad_file_imports_nothing_and_names_every_bad_row(store: SqlRecordStore) -> None:
    report = await import_csv(store, BAD, Region.TIANJIN)
    assert not report.ok
    assert report.new == 0
    assert await store.count() == 0
    found = {(e.line, e.column) for e in report.errors}
    assert found == {
        (4, col.USCC),  # checksum (line 2's quoted field spans lines 2-3)
        (5, col.ID_NUMBER),  # resident ID checksum
        (6, col.DECISION_DATE),  # 2024-13-01
        (7, col.CATEGORIES),  # 罚金 is not a category
        (7, col.FINE_AMOUNT),  # negative
        (8, col.FINE_AMOUNT),  # seven decimal places
        (8, col.DOMAIN),  # 民族宗教 is not covered by Tianjin
        (9, col.DECISION_NO),  # same decision as line 2
        (10, col.VIOLATION_FACTS),  # required
        (10, col.PROCEDURE),  # 快速程序
        (10, col.PUBLICITY_UNTIL),  # before the decision date
    }
    messages = [str(e) for e in report.errors]
    assert (
        "line 9, 行政处罚决定书文号: decision 津滨市监罚〔2024〕101号 of this authority already appears on line 2"
        in (messages)
    )
    assert any("checksum" in m and m.startswith("line 4, 统一社会信用代码") for m in messages)
    # The bad resident ID is named, masked, never in full.
    assert not any("120101198001011235" in m for m in messages)
    assert any("120101********1235" in m for m in messages)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030_read_like_plain_utf8(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "encoded.csv"
    path.write_bytes(GOOD.read_text(encoding="utf-8").encode(encoding))
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert parse_csv(path, Region.TIANJIN, today=TODAY).records == parse_csv(GOOD, Region.TIANJIN, today=TODAY).records


def test_missing_and_unknown_columns_are_header_errors(tmp_path: Path) -> None:
    columns = (*tuple(c for c in col.COLUMNS if c not in (col.AUTHORITY_USCC, col.DOMAIN)), "罚款金额")
    result = parse_csv(write_rows(tmp_path / "h.csv", good_rows(), columns), Region.TIANJIN, today=TODAY)
    assert {(e.line, e.column, e.reason) for e in result.errors} == {
        (1, col.AUTHORITY_USCC, "required column is missing"),
        (1, col.DOMAIN, "required column is missing"),
        (1, "罚款金额", "unknown column"),
    }
    assert result.records == ()


def test_optional_columns_may_be_left_out_and_full_width_parentheses_match(tmp_path: Path) -> None:
    columns = tuple(c for c in col.COLUMNS if c not in col.OPTIONAL_COLUMNS)
    rows = [row for row in good_rows() if row[col.PROCEDURE] != "简易程序" and row[col.NOT_PENALISED] != "是"]
    rows = [{**row, col.REPAIR_STATUS: "", col.REPAIRED_ON: ""} for row in rows]
    path = write_rows(tmp_path / "o.csv", rows, columns)
    path.write_text(path.read_text(encoding="utf-8").replace("(万元)", "（万元）"), encoding="utf-8")
    result = parse_csv(path, Region.TIANJIN, today=TODAY)
    assert result.ok, result.errors
    assert len(result.records) == 3
    assert all(r.procedure is Procedure.ORDINARY and not r.not_penalised for r in result.records)
    assert result.records[0].fine_amount == Decimal("2.5")


def test_empty_file_and_wrong_field_count(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert [str(e) for e in parse_csv(empty, Region.TIANJIN).errors] == [
        "line 1: the file is empty: the header line is missing"
    ]
    short = tmp_path / "short.csv"
    short.write_text(",".join(col.COLUMNS) + "\n\n天津某公司,法人及非法人组织\n", encoding="utf-8")
    errors = parse_csv(short, Region.TIANJIN).errors
    assert [(e.line, e.column) for e in errors] == [(3, "")]
    assert "has 2 fields" in errors[0].reason


def test_rules_between_columns(tmp_path: Path) -> None:
    rows = good_rows()
    rows[0] = {**rows[0], col.FINE_AMOUNT: "", col.REPAIRED_ON: ""}  # 罚款 without amount; 已修复 without date
    rows[2] = {**rows[2], col.ID_TYPE: "护照", col.USCC: "91120116MA05JUKK35"}  # person with a USCC
    rows[4] = {**rows[4], col.LICENSE_REF: "", col.DECISION_DATE: "2027-01-01"}  # revoked without licence; future
    result = parse_csv(write_rows(tmp_path / "r.csv", rows), Region.TIANJIN, today=TODAY)
    # The first row's quoted field still spans lines 2-3, so rows start on lines 2, 4, 5, 6, 7.
    assert {(e.line, e.column) for e in result.errors} == {
        (2, col.FINE_AMOUNT),
        (2, col.REPAIRED_ON),
        (5, col.ID_TYPE),
        (5, col.USCC),
        (7, col.LICENSE_REF),
        (7, col.DECISION_DATE),
        (7, col.VALID_UNTIL),  # now before the (future) decision date
        (7, col.PUBLICITY_UNTIL),
    }


def test_seeded_penalties_survive_a_csv_round_trip(tmp_path: Path) -> None:
    penalties = [r for r in generate(Region.HEBEI, 12, seed=4) if isinstance(r, Penalty)]
    path = write_rows(tmp_path / "seed.csv", [col.penalty_to_row(p) for p in penalties])
    result = parse_csv(path, Region.HEBEI, today=TODAY)
    assert result.ok, result.errors[:5]
    assert result.records == tuple(penalties)


@pytest.mark.parametrize("text", ["2024-03-05", "2024/3/5", "2024年3月5日", "2024-3-05"])
def test_date_formats(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 5)


@pytest.mark.parametrize("text", ["2024.03.05", "05/03/2024", "2024-02-30", "昨天"])
def test_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match=r"date|day"):
        parse_date(text)


def test_rows_are_checked_against_the_coverage_the_node_declares(tmp_path: Path) -> None:
    # market_regulation is in Tianjin's default coverage, and every row of the good file names it.
    assert parse_csv(GOOD, Region.TIANJIN, today=TODAY).ok
    narrower = parse_csv(GOOD, Region.TIANJIN, today=TODAY, coverage=("taxation",))
    assert not narrower.ok
    assert narrower.records == ()
    assert {error.column for error in narrower.errors} == {col.DOMAIN}
    assert all("not covered by" in error.reason for error in narrower.errors)


def test_the_import_command_reads_the_coverage_file_and_names_a_bad_one(tmp_path: Path) -> None:
    from adapters.cli import main as adapter_main

    db = f"sqlite+aiosqlite:///{tmp_path / 'tianjin.db'}"
    coverage = tmp_path / "coverage.toml"
    coverage.write_text('domains = ["taxation"]\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert adapter_main(["import", str(GOOD), "--region", "tianjin", "--db", db, "--coverage", str(coverage)],
                        out=out, err=err) == 1  # fmt: skip
    assert "not covered by" in err.getvalue()
    assert "nothing was imported" in err.getvalue()
    coverage.write_text('domains = ["no_such_domain"]\n', encoding="utf-8")
    err = io.StringIO()
    assert adapter_main(["import", str(GOOD), "--region", "tianjin", "--db", db, "--coverage", str(coverage)],
                        out=out, err=err) == 2  # fmt: skip
    assert "--coverage" in err.getvalue()
    assert "no_such_domain" in err.getvalue()
