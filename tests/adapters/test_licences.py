"""Administrative licences (行政许可) at the node: imported from the 双公示 licensing layout (Chinese headers, all or
nothing, updates with history), stored, and answered in their own group of the signed answer — outside the summary,
which states violations only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.csv_import import import_csv, parse_csv
from adapters.pki import PkiLayout
from adapters.store import SqlRecordStore
from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import encode_document, read_document
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.records import Licence, LicenceCategory
from merge.regions import Region
from protos.credit.v2 import adapter_pb2
from tests.adapters import test_server as server_tests
from tests.adapters.test_cli import stored
from tests.adapters.test_csv_kinds import HAICHUAN
from tests.adapters.test_server import Node

LICENCES = Path(__file__).parent / "data" / "licences.csv"
node = server_tests.node  # the fixture of a running Tianjin node (tests/adapters/test_server.py)


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


EXAMPLE = Path(__file__).parents[2] / "examples" / "licences.csv"


def test_the_example_file_is_a_good_licence_file() -> None:
    result = parse_csv(EXAMPLE, Region.TIANJIN, today=date(2026, 11, 1))
    assert result.ok, result.errors
    assert [type(r) for r in result.records] == [Licence, Licence]


@pytest.mark.parametrize(
    ("header", "column", "reason"),
    [
        (lambda h: h.replace(",备注,", ",许可费用,"), "许可费用", "unknown column"),
        (lambda h: h.replace(",许可类别,", ",,"), "许可类别", "required column is missing"),
        (lambda h: h.replace("许可内容", "许可机关"), "许可机关", "column appears twice"),
    ],
)
def test_a_bad_header_is_named_and_nothing_is_read(
    tmp_path: Path, header: Callable[[str], str], column: str, reason: str
) -> None:
    first, rest = LICENCES.read_text(encoding="utf-8").split("\n", 1)
    path = tmp_path / "header.csv"
    path.write_text(header(first) + "\n" + rest, encoding="utf-8")
    result = parse_csv(path, Region.TIANJIN, today=date(2026, 11, 1))
    assert result.records == ()
    assert (1, column, reason) in {(e.line, e.column, e.reason) for e in result.errors}, result.errors


def test_a_domain_the_node_does_not_declare_is_named(tmp_path: Path) -> None:
    result = parse_csv(LICENCES, Region.TIANJIN, today=date(2026, 11, 1), coverage=("market_regulation",))
    assert result.records == ()
    assert [(e.line, e.column) for e in result.errors] == [(3, "领域")]
    assert "生态环境 is not a domain this region covers" in result.errors[0].reason


def test_a_persons_licence_is_read_and_a_bad_resident_id_is_named_masked(tmp_path: Path) -> None:
    header = LICENCES.read_text(encoding="utf-8").split("\n", 1)[0]
    good, bad = "120101199003071235", "120101199003071234"
    row = "张三,,{},机动车驾驶证核发决定书,津公交许〔2024〕{},其他,机动车驾驶证,{},准驾车型C1,2024-03-01,2024-03-01,2030-02-28,天津市公安局交通管理局,,,,公安"  # noqa: E501
    path = tmp_path / "people.csv"
    path.write_text(f"{header}\n{row.format(good, 1, good)}\n{row.format(bad, 2, bad)}\n", encoding="utf-8")
    result = parse_csv(path, Region.TIANJIN, today=date(2026, 11, 1))
    assert [(e.line, e.column) for e in result.errors] == [(3, "证件号码")]
    assert all(bad not in str(e) for e in result.errors)  # a resident ID is masked
    path.write_text(f"{header}\n{row.format(good, 1, good)}\n", encoding="utf-8")
    (licence,) = parse_csv(path, Region.TIANJIN, today=date(2026, 11, 1)).records
    assert isinstance(licence, Licence)
    assert (licence.uscc, licence.id_number, licence.category) == ("", good, LicenceCategory.OTHER)


def _licence(n: int, decided: date, until: date | None, **changes: object) -> Licence:
    fields: dict[str, object] = {
        "region_code": Region.TIANJIN.code,
        "record_id": f"lic-{n}",
        "domain": "market_regulation",
        "subject_name": "天津海川商贸有限公司",
        "uscc": HAICHUAN.identifier,
        "document_name": "食品经营许可决定书",
        "document_no": f"津市监食许〔{decided.year}〕{n}号",
        "category": LicenceCategory.ORDINARY,
        "content": "预包装食品销售",
        "decided_on": decided,
        "valid_until": until,
        "authority_name": "天津市滨海新区市场监督管理局",
    }
    fields.update(changes)
    return Licence.model_validate(fields)


async def test_a_window_holds_the_licences_in_force_at_some_time_in_it(store: SqlRecordStore) -> None:
    start, end = date(2023, 7, 1), date(2026, 6, 30)
    await store.add_records(
        [
            _licence(1, date(2024, 1, 1), date(2029, 1, 1)),  # decided within, valid
            _licence(2, date(2024, 1, 1), date(2025, 1, 1)),  # decided within, expired since: still held
            _licence(3, date(2019, 1, 1), date(2024, 1, 1)),  # decided before, valid at the start
            _licence(4, date(2019, 1, 1), start),  # valid on the start's day (有效期至 is the last day)
            _licence(5, date(2019, 1, 1), None),  # no end given
            _licence(6, date(2018, 1, 1), date(2023, 6, 30)),  # expired the day before the start
            _licence(7, date(2026, 7, 1), None),  # decided after the window
        ]
    )
    held = sorted([r.record_id async for r in store.query(HAICHUAN, start, end)])
    assert held == ["lic-1", "lic-2", "lic-3", "lic-4", "lic-5"]
    rows = sorted([row["record_id"] async for page in store.query_rows(HAICHUAN, start, end) for row in page])
    assert rows == held


async def test_stored_licences_read_back_as_their_json_form(store: SqlRecordStore) -> None:
    full = _licence(
        1, date(2024, 1, 1), date(2029, 1, 1), certificate_name="食品经营许可证", licence_no="JY11201160123456",
        valid_from=date(2024, 1, 1), authority_uscc="11120116MB1744390L", data_source="天津市市场监督管理委员会",
        remarks="延续",
    )  # fmt: skip
    bare = _licence(2, date(2024, 2, 1), None, category=LicenceCategory.REGISTRATION)
    await store.add_records([full, bare])
    found = [row async for page in store.query_rows(HAICHUAN, date(2020, 1, 1), date(2026, 12, 31)) for row in page]
    assert found == [bare.model_dump(mode="json"), full.model_dump(mode="json")]
    assert [r async for r in store.query(HAICHUAN, date(2020, 1, 1), date(2026, 12, 31))] == [bare, full]


def test_jjj_adapter_import_takes_the_example_then_a_renewal_and_refuses_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'node' / 'tianjin.db'}"
    assert main(["import", str(EXAMPLE), "--region", "tianjin", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "imported 2 new records, 0 changed, 0 unchanged"
    renewed = tmp_path / "renewed.csv"
    renewed.write_text(EXAMPLE.read_text(encoding="utf-8").replace("2029-06-30", "2034-06-30"), encoding="utf-8")
    assert main(["import", str(renewed), "--region", "tianjin", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "imported 0 new records, 1 changed, 1 unchanged"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        renewed.read_text(encoding="utf-8").replace("2024-07-01,2024-07-01", "2024-07-32,2024-07-01"), "utf-8"
    )
    assert main(["import", str(bad), "--region", "tianjin", "--db", db]) == 1
    captured = capsys.readouterr()
    assert "line 3, 许可决定日期: '2024-07-32' is not a date (use 2024-03-05)" in captured.err
    assert captured.err.splitlines()[-1] == "1 problem(s) found; nothing was imported"
    assert stored(db) == 2


async def test_the_node_signs_its_licences_apart_masked_and_within_its_coverage(node: Node, pki: PkiLayout) -> None:
    today = server_tests.TODAY
    enterprise = server_tests.USCC
    records: list[AnyRecord] = [
        server_tests.penalty(1),
        _licence(1, today - timedelta(days=30), today + timedelta(days=365), uscc=enterprise),
        # Decided long before the window, still valid: in force during it.
        _licence(2, today - timedelta(days=10 * 365), None, uscc=enterprise),
        # Expired before the window began: not in it.
        _licence(3, today - timedelta(days=10 * 365), today - timedelta(days=4 * 365), uscc=enterprise),
        # In a domain Tianjin does not cover: it never leaves the node.
        _licence(4, today - timedelta(days=30), None, uscc=enterprise, domain="ethnic_religious"),
        _licence(
            5, today - timedelta(days=30), None, uscc="", id_number=server_tests.RESIDENT_ID,
            licence_no=server_tests.RESIDENT_ID, document_name="机动车驾驶证核发决定书", domain="public_security",
        ),
    ]  # fmt: skip
    _, channel = await node(records)
    for edition in (adapter_pb2.EDITION_STANDARD, adapter_pb2.EDITION_ADMINISTRATIVE):
        document = await server_tests._answer(channel, pki, server_tests.query(edition=edition))
        assert [r.record_id for r in document.records.licence] == ["lic-1", "lic-2"]
        assert [r.record_id for r in document.records.all()] == ["t-00001"]
        assert (document.summary.total, document.summary.count_by_domain) == (1, {"market_regulation": 1})
    person = server_tests.query(subject_id=server_tests.RESIDENT_ID, subject_kind=adapter_pb2.SUBJECT_KIND_PERSON)
    (licence,) = (await server_tests._answer(channel, pki, person)).records.licence
    assert (licence.id_number, licence.licence_no) == ("120101********1235", "120101********1235")
