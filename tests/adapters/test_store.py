"""SqlRecordStore against real SQLite files and the real PostgreSQL (every test runs on both backends)."""

from __future__ import annotations

from contextlib import aclosing
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.seed import generate, region_subject
from adapters.store import SqlRecordStore, normalise_url, record_id_for
from merge.identifiers import Subject, SubjectKind
from merge.records import (
    CoerciveMeasure,
    DishonestyListEntry,
    Penalty,
    PenaltyCategory,
    Procedure,
    Record,
    RepairStatus,
    SubjectCategory,
)
from merge.regions import Region
from tests.adapters.conftest import StoreFactory

TJ = Region.TIANJIN.code
COMPANY = Subject(SubjectKind.ENTERPRISE, "91120116MA05JUKK35")
OTHER_COMPANY = Subject(SubjectKind.ENTERPRISE, "91120103MA07BX4T2N")
PERSON = Subject(SubjectKind.PERSON, "120101198001011234")
WINDOW = (date(2023, 1, 1), date(2025, 12, 31))


def penalty(decided: date, number: int, subject: Subject = COMPANY, **changes: object) -> Penalty:
    person = subject.kind is SubjectKind.PERSON
    fields: dict[str, object] = {
        "region_code": TJ,
        "record_id": "",
        "domain": "market_regulation",
        "subject_name": "王强" if person else "天津海川商贸有限公司",
        "subject_category": SubjectCategory.NATURAL_PERSON if person else SubjectCategory.LEGAL_PERSON,
        "uscc": "" if person else subject.identifier,
        "id_type": "身份证" if person else "",
        "id_number": subject.identifier if person else "",
        "decision_no": f"津滨市监罚〔{decided.year}〕{number}号",
        "violation_type": "发布虚假广告",
        "violation_facts": "经查属实。",
        "legal_basis": "《中华人民共和国广告法》第五十五条",
        "categories": (PenaltyCategory.FINE, PenaltyCategory.CONFISCATE_ILLEGAL_GAINS),
        "content": "罚款2.5万元、没收违法所得0.125万元",
        "fine_amount": Decimal("2.5"),
        "confiscated_amount": Decimal("0.125000"),
        "decision_date": decided,
        "valid_until": None,
        "publicity_until": date(2027, 3, 18),
        "authority_name": "天津市滨海新区市场监督管理局",
        "authority_uscc": "11120116PN454U4EJD",
        "data_source": "天津市滨海新区市场监督管理局",
        "procedure": Procedure.ORDINARY,
        "repair_status": RepairStatus.REPAIRED,
        "repaired_on": date(2025, 4, 1),
        "objection_open": True,
    }
    fields.update(changes)
    record = Penalty.model_validate(fields)
    return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})


def listed(listed_on: date, removed_on: date | None, number: int) -> DishonestyListEntry:
    record = DishonestyListEntry(
        region_code=TJ,
        record_id="",
        domain="taxation",
        subject_name="天津海川商贸有限公司",
        uscc=COMPANY.identifier,
        list_name="重大税收违法失信主体名单",
        authority_name="国家税务总局天津市税务局",
        listed_on=listed_on,
        removed_on=removed_on,
        reason="虚开发票",
        document_no=f"津税列〔{listed_on.year}〕{number}号",
    )
    return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})


def coercive(decided: date, lifted: date | None, number: int) -> CoerciveMeasure:
    record = CoerciveMeasure(
        region_code=TJ,
        record_id="",
        domain="market_regulation",
        subject_name="天津海川商贸有限公司",
        uscc=COMPANY.identifier,
        document_no=f"津滨市监强〔{decided.year}〕{number}号",
        measure_type="查封场所、设施或者财物",
        authority_name="天津市滨海新区市场监督管理局",
        decided_on=decided,
        lifted_on=lifted,
    )
    return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})


async def query(store: SqlRecordStore, subject: Subject, window: tuple[date, date] = WINDOW) -> list[Record]:
    return [record async for record in store.query(subject, *window)]


async def test_every_kind_round_trips_unchanged(store: SqlRecordStore) -> None:
    records: list[Record] = [
        penalty(date(2024, 3, 18), 1),
        penalty(date(2024, 5, 1), 2, categories=(), fine_amount=None, confiscated_amount=None, not_penalised=True),
        listed(date(2024, 1, 5), None, 1),
        coercive(date(2024, 2, 1), date(2024, 4, 1), 1),
    ]
    assert await store.add_records(records) == 4
    found = await query(store, COMPANY)
    assert sorted(found, key=lambda r: r.record_id) == sorted(records, key=lambda r: r.record_id)
    stored_penalty = next(r for r in found if r.record_id == records[0].record_id)
    assert isinstance(stored_penalty, Penalty)
    assert stored_penalty.confiscated_amount == Decimal("0.125")
    assert stored_penalty.categories == (PenaltyCategory.FINE, PenaltyCategory.CONFISCATE_ILLEGAL_GAINS)


async def test_adding_twice_changes_nothing_and_counts_only_new(store: SqlRecordStore) -> None:
    first = [penalty(date(2024, 3, n), n) for n in range(1, 6)]
    assert await store.add_records(first) == 5
    assert await store.add_records(first) == 0
    assert await store.add_records([*first[:2], penalty(date(2024, 4, 1), 6)]) == 1
    assert await store.count() == 6


async def test_same_natural_key_with_other_content_is_not_a_new_record(store: SqlRecordStore) -> None:
    original = penalty(date(2024, 3, 18), 1)
    assert await store.add_records([original]) == 1
    assert await store.add_records([penalty(date(2024, 3, 18), 1, content="改")]) == 0
    assert await query(store, COMPANY) == [original]


async def test_window_is_inclusive_and_selects_the_subject_only(store: SqlRecordStore) -> None:
    inside = [penalty(WINDOW[0], 1), penalty(WINDOW[1], 2)]
    outside = [penalty(date(2022, 12, 31), 3), penalty(date(2026, 1, 1), 4)]
    others = [penalty(date(2024, 1, 1), 5, OTHER_COMPANY), penalty(date(2024, 1, 2), 6, PERSON)]
    await store.add_records([*inside, *outside, *others])
    assert {r.record_id for r in await query(store, COMPANY)} == {r.record_id for r in inside}
    assert [r.record_id for r in await query(store, PERSON)] == [others[1].record_id]


async def test_entries_still_in_force_before_the_window_are_included(store: SqlRecordStore) -> None:
    still_listed = listed(date(2019, 5, 1), None, 1)
    removed_in_window = listed(date(2019, 6, 1), date(2023, 6, 1), 2)
    removed_before = listed(date(2019, 7, 1), date(2022, 6, 1), 3)
    listed_after = listed(date(2026, 2, 1), None, 4)
    measure_in_force = coercive(date(2020, 1, 1), None, 1)
    measure_lifted_before = coercive(date(2020, 2, 1), date(2020, 3, 1), 2)
    old_penalty = penalty(date(2020, 1, 1), 9)
    await store.add_records(
        [
            still_listed,
            removed_in_window,
            removed_before,
            listed_after,
            measure_in_force,
            measure_lifted_before,
            old_penalty,
        ]
    )
    found = {r.record_id for r in await query(store, COMPANY)}
    assert found == {still_listed.record_id, removed_in_window.record_id, measure_in_force.record_id}


async def test_order_is_event_date_descending_then_record_id(store: SqlRecordStore) -> None:
    records: list[Record] = [penalty(date(2024, 6, 1), n) for n in range(1, 6)]
    records += [listed(date(2024, 6, 1), None, 7), coercive(date(2025, 1, 1), None, 1), penalty(date(2023, 2, 1), 9)]
    await store.add_records(records)
    expected = sorted(records, key=lambda r: (-r.event_date.toordinal(), r.record_id))
    assert [r.record_id for r in await query(store, COMPANY)] == [r.record_id for r in expected]


async def test_streams_a_subject_with_over_a_thousand_records(store: SqlRecordStore) -> None:
    records = list(generate(Region.TIANJIN, 20, seed=11))
    assert await store.add_records(records) == len(records)
    big, _ = region_subject(Region.TIANJIN, 11, 0)
    subject = Subject(big.kind, big.identifier)
    window = (date(2000, 1, 1), date(2030, 1, 1))
    found = await query(store, subject, window)
    assert len(found) >= 1000
    assert len(found) == sum(1 for r in records if getattr(r, "uscc", "") == big.identifier)
    keys = [(-r.event_date.toordinal(), r.record_id) for r in found]
    assert keys == sorted(keys)
    # Stopping early releases the cursors (no warning, and the store keeps working).
    async with aclosing(store.query(subject, *window)) as stream:
        async for _ in stream:
            break
    assert await store.count() == len(records)


async def test_refuses_records_of_another_region(store: SqlRecordStore) -> None:
    foreign = penalty(date(2024, 1, 1), 1).model_copy(update={"region_code": Region.HEBEI.code})
    with pytest.raises(ValueError, match="130000"):
        await store.add_records([penalty(date(2024, 1, 2), 2), foreign])
    assert await store.count() == 0


async def test_data_as_of_is_creation_then_last_import(store: SqlRecordStore) -> None:
    created = await store.data_as_of()
    assert created.tzinfo is not None
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    await store.add_records([penalty(date(2024, 1, 1), 1)])
    assert await store.data_as_of() > created


async def test_database_of_one_region_cannot_open_as_another(store_factory: StoreFactory) -> None:
    store = await store_factory(Region.HEBEI)
    await store.add_records([penalty(date(2024, 1, 1), 1).model_copy(update={"region_code": Region.HEBEI.code})])
    with pytest.raises(ValueError, match="holds region 130000"):
        await SqlRecordStore.open(store.url, Region.BEIJING)


async def test_bare_path_opens_sqlite_and_creates_directories(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "tianjin.db"
    store = await SqlRecordStore.open(str(path), Region.TIANJIN)
    try:
        assert store.dialect == "sqlite"
        assert await store.add_records([penalty(date(2024, 1, 1), 1)]) == 1
    finally:
        await store.close()
    assert path.is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("var/jjj/x.db", "sqlite+aiosqlite:///var/jjj/x.db"),
        ("/abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_normalise_url(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_normalise_url_rejects_other_drivers() -> None:
    with pytest.raises(ValueError, match="mysql"):
        normalise_url("mysql://u@h/db")
