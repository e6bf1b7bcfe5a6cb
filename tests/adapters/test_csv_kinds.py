"""Imports of list entries and coercive measures (issue 14): Chinese headers, all or nothing, updates with history,
and the records reach the node's answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from adapters.csv_import import import_csv, parse_csv
from adapters.store import SqlRecordStore
from merge.identifiers import Subject, SubjectKind
from merge.records import CoerciveMeasure, DishonestyListEntry
from merge.regions import Region

DATA = Path(__file__).parent / "data"
LISTS, MEASURES = DATA / "list_entries.csv", DATA / "coercive_measures.csv"
HAICHUAN = Subject(SubjectKind.ENTERPRISE, "91120116MA05JUKK35")


def test_a_list_file_is_told_by_its_header_and_read_field_by_field() -> None:
    result = parse_csv(LISTS, Region.TIANJIN, today=date(2026, 11, 1))
    assert result.ok, result.errors
    tax, market = result.records
    assert isinstance(tax, DishonestyListEntry)
    assert (tax.list_name, tax.domain, tax.listed_on, tax.removed_on) == (
        "重大税收违法失信主体", "taxation", date(2025, 6, 1), None,
    )  # fmt: skip
    assert isinstance(market, DishonestyListEntry)
    assert (market.domain, market.removed_on, market.uscc) == (
        "market_regulation",
        date(2025, 2, 1),
        HAICHUAN.identifier,
    )
    assert len({tax.record_id, market.record_id}) == 2


def test_a_coercive_measure_file() -> None:
    result = parse_csv(MEASURES, Region.TIANJIN, today=date(2026, 11, 1))
    assert result.ok, result.errors
    (measure,) = result.records
    assert isinstance(measure, CoerciveMeasure)
    assert (measure.measure_type, measure.decided_on, measure.domain) == (
        "查封",
        date(2025, 3, 4),
        "ecology_environment",
    )


def test_every_bad_row_is_named_and_nothing_is_read(tmp_path: Path) -> None:
    text = LISTS.read_text(encoding="utf-8")
    bad = text + "某公司,9112011,,某名单,某局,某号,2025-01-01,,,税务\n"
    bad += "某人,,110105199003071234,某名单,某局,某号2,2030-01-01,,,天文\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    result = parse_csv(path, Region.TIANJIN, today=date(2026, 11, 1))
    assert not result.ok
    assert result.records == ()
    found = {(e.line, e.column) for e in result.errors}
    assert {(4, "统一社会信用代码"), (5, "证件号码"), (5, "列入日期"), (5, "领域")} <= found
    assert all("110105199003071234" not in str(e) for e in result.errors)  # a resident ID is masked


def test_a_header_without_required_columns_is_named(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("主体名称,统一社会信用代码,名单名称,领域\n", encoding="utf-8")
    result = parse_csv(path, Region.TIANJIN)
    assert {(e.column, e.reason) for e in result.errors} >= {("认定机关", "required column is missing")}


async def test_imported_entries_are_in_the_store_and_a_removal_updates_them(
    store: SqlRecordStore, tmp_path: Path
) -> None:
    first = await import_csv(store, LISTS, Region.TIANJIN)
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    assert (await import_csv(store, MEASURES, Region.TIANJIN)).new == 1
    kinds = sorted([r.kind.value async for r in store.query(HAICHUAN, date(2020, 1, 1), date(2026, 12, 31))])
    assert kinds == ["coercive_measure", "dishonesty_list_entry", "dishonesty_list_entry"]

    removed = tmp_path / "removed.csv"
    removed.write_text(LISTS.read_text(encoding="utf-8").replace("2025-06-01,,", "2025-06-01,2026-09-30,"), "utf-8")
    again = await import_csv(store, removed, Region.TIANJIN)
    assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
    entries = [r async for r in store.query(HAICHUAN, date(2020, 1, 1), date(2026, 12, 31))]
    tax = next(r for r in entries if isinstance(r, DishonestyListEntry) and r.domain == "taxation")
    assert tax.removed_on == date(2026, 9, 30)
    history = await store.record_history(tax.record_id)
    assert [(h["field"], h["old_value"], h["new_value"]) for h in history] == [("removed_on", None, "2026-09-30")]
