"""Administrative licences (行政许可) at the node: imported from the 双公示 licensing layout (Chinese headers, all or
nothing, updates with history), stored, and answered in their own group of the signed answer — outside the summary,
which states violations only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.csv_import import import_csv, parse_csv
from adapters.store import SqlRecordStore
from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import encode_document, read_document
from merge.domains import DEFAULT_COVERAGE
from merge.editions import Edition
from merge.records import Licence, LicenceCategory
from merge.regions import Region
from tests.adapters.test_csv_kinds import HAICHUAN

LICENCES = Path(__file__).parent / "data" / "licences.csv"


def test_a_licence_file_is_told_by_its_header_and_read_field_by_field() -> None:
    result = parse_csv(LICENCES, Region.TIANJIN, today=date(2026, 11, 1))
    assert result.ok, result.errors
    food, permit = result.records
    assert isinstance(food, Licence)
    assert (food.document_no, food.category, food.decided_on, food.valid_until, food.domain) == (
        "津市监食许〔2025〕88号", LicenceCategory.ORDINARY, date(2025, 4, 10), date(2030, 4, 9), "market_regulation",
    )  # fmt: skip
    assert isinstance(permit, Licence)
    assert (permit.category, permit.authority_uscc) == (LicenceCategory.APPROVAL, "")


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (",普通,", ",随便,", "许可类别"),
        ("2025-04-10,2025-04-10,2030-04-09", "2025-13-10,2025-04-10,2030-04-09", "许可决定日期"),
        ("2025-04-10,2025-04-10,2030-04-09", "2025-04-10,2025-04-10,2024-04-09", "有效期至"),
        ("2025-04-10,2025-04-10,2030-04-09", "2030-04-10,2025-04-10,2030-04-09", "许可决定日期"),  # in the future
        ("91120116MA05JUKK35,,食品", "91120116MA05JUKK36,,食品", "统一社会信用代码"),
        (",预包装食品销售,", ",,", "许可内容"),
    ],
)
def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_read(
    tmp_path: Path, old: str, new: str, column: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(LICENCES.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = parse_csv(path, Region.TIANJIN, today=date(2026, 11, 1))
    assert not result.ok
    assert result.records == ()
    assert (2, column) in {(e.line, e.column) for e in result.errors}, result.errors


async def test_imported_licences_update_with_history_and_a_bad_file_changes_nothing(
    store: SqlRecordStore, tmp_path: Path
) -> None:
    first = await import_csv(store, LICENCES, Region.TIANJIN)
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    renewed = tmp_path / "renewed.csv"
    renewed.write_text(LICENCES.read_text(encoding="utf-8").replace("2030-04-09", "2031-04-09"), "utf-8")
    again = await import_csv(store, renewed, Region.TIANJIN)
    assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
    held = [r async for r in store.query(HAICHUAN, date(2023, 1, 1), date(2026, 12, 31))]
    food = next(r for r in held if isinstance(r, Licence) and r.document_no.startswith("津市监食许"))
    assert food.valid_until == date(2031, 4, 9)
    history = await store.record_history(food.record_id)
    assert [(h["field"], h["old_value"], h["new_value"]) for h in history] == [
        ("valid_until", "2030-04-09", "2031-04-09")
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(renewed.read_text(encoding="utf-8").replace(",核准,", ",未知,"), "utf-8")
    refused = await import_csv(store, bad, Region.TIANJIN)
    assert not refused.ok
    after = [r async for r in store.query(HAICHUAN, date(2023, 1, 1), date(2026, 12, 31))]
    assert sorted(r.record_id for r in after) == sorted(r.record_id for r in held)


async def test_a_licence_in_force_during_the_window_is_answered_apart_from_the_violations(
    store: SqlRecordStore,
) -> None:
    await import_csv(store, LICENCES, Region.TIANJIN)
    # Granted before the window, still valid at its start: in force during it.
    held = [r async for r in store.query(HAICHUAN, date(2026, 1, 1), date(2026, 12, 31))]
    assert {type(r) for r in held} == {Licence}
    context = AnswerContext(
        Region.TIANJIN.code, "req-1", "jti-1", Edition.STANDARD, date(2026, 1, 1), date(2026, 12, 31),
        await store.data_as_of(), DEFAULT_COVERAGE[Region.TIANJIN],
    )  # fmt: skip
    subject = answer_subject(HAICHUAN.kind, HAICHUAN.identifier, "天津海川商贸有限公司")
    document = read_document(encode_document(build_document(context, subject, held)))
    assert len(document.records.licence) == 2
    assert document.records.all() == []
    assert (document.summary.total, document.summary.count_by_domain) == (0, {})
