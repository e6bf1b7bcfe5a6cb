"""Imports that update (issue 12): a re-imported changed row updates its record, the change kept in history;
the summary counts added, changed and unchanged; a bad row still imports (and changes) nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from adapters.csv_import import import_csv
from adapters.store import SqlRecordStore
from merge.identifiers import Subject, SubjectKind
from merge.records import Penalty, RepairStatus
from merge.regions import Region
from tests.adapters.test_csv_import import GOOD

HAICHUAN = Subject(SubjectKind.ENTERPRISE, "91120116MA05JUKK35")
ROW = "津环罚〔2023〕45号"


def corrected(tmp_path: Path, *, repaired: bool = True, fine: str = "20", extra: str = "") -> Path:
    """good.csv with the 2023 environmental penalty repaired (修复中 → 已修复, dated) and its fine as given."""
    text = GOOD.read_text(encoding="utf-8")
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if ROW in line)
    line = lines[index]
    if repaired:
        line = line.replace(",修复中,,否", ",已修复,2026-05-06,否")
    line = line.replace("罚款20万元,20,", f"罚款20万元,{fine},")
    lines[index] = line
    path = tmp_path / "corrected.csv"
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return path


async def penalty_of(store: SqlRecordStore) -> Penalty:
    records = [r async for r in store.query(HAICHUAN, date(2020, 1, 1), date(2026, 12, 31))]
    found = [r for r in records if isinstance(r, Penalty) and r.decision_no == ROW]
    assert len(found) == 1
    return found[0]


async def test_a_changed_row_updates_its_record_with_history(store: SqlRecordStore, tmp_path: Path) -> None:
    first = await import_csv(store, GOOD, Region.TIANJIN)
    assert (first.new, first.changed, first.unchanged) == (5, 0, 0)
    before = await penalty_of(store)
    assert before.repair_status is RepairStatus.IN_PROGRESS

    again = await import_csv(store, corrected(tmp_path, fine="18.5"), Region.TIANJIN)
    assert again.ok
    assert (again.new, again.changed, again.unchanged) == (0, 1, 4)
    after = await penalty_of(store)
    assert after.record_id == before.record_id
    assert after.repair_status is RepairStatus.REPAIRED
    assert after.repaired_on == date(2026, 5, 6)
    assert after.fine_amount == Decimal("18.5")
    assert await store.count() == 5

    history = await store.record_history(before.record_id)
    changed = {(h["field"], h["old_value"], h["new_value"]) for h in history}
    assert changed == {
        ("repair_status", "in_progress", "repaired"),
        ("repaired_on", None, "2026-05-06"),
        ("fine_amount", "20", "18.5"),
    }
    assert {h["source"] for h in history} == {"corrected.csv"}

    # The same corrected file again: nothing more changes, nothing more in the history.
    third = await import_csv(store, corrected(tmp_path, fine="18.5"), Region.TIANJIN)
    assert (third.new, third.changed, third.unchanged) == (0, 0, 5)
    assert len(await store.record_history(before.record_id)) == 3


async def test_a_bad_row_in_an_updating_file_changes_nothing(store: SqlRecordStore, tmp_path: Path) -> None:
    await import_csv(store, GOOD, Region.TIANJIN)
    bad_line = "\n某公司,法人及非法人组织,9112011,,,,津罚〔2026〕1号,v,f,b,罚款,c,1,,,2026-01-01,,,某局,,,,,,,,,,"
    report = await import_csv(store, corrected(tmp_path, extra=bad_line), Region.TIANJIN)
    assert not report.ok
    assert any(error.line == 9 and error.column == "统一社会信用代码" for error in report.errors), report.errors
    assert (report.new, report.changed) == (0, 0)
    assert (await penalty_of(store)).repair_status is RepairStatus.IN_PROGRESS
