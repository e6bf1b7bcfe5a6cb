"""One subject's records in pages (adapters/record_query.py through SqlRecordStore.query_rows), on both backends.

Pages are read by keyset after the previous page's last row: whatever the page size, every record comes exactly
once and in the order of one unpaged read — also when many records share an event date, or a record id across
kinds — and on PostgreSQL in code point order whatever the column's collation.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.store import SqlRecordStore
from merge.records import Record
from tests.adapters.test_store import COMPANY, WINDOW, coercive, listed, penalty

SAME_DAY = date(2024, 6, 1)


def expected_order(records: list[Record]) -> list[str]:
    return [r.record_id for r in sorted(records, key=lambda r: (-r.event_date.toordinal(), r.record_id, r.kind))]


async def pages(store: SqlRecordStore, page_rows: int) -> list[list[str]]:
    return [
        [str(row["record_id"]) for row in page]
        async for page in store.query_rows(COMPANY, *WINDOW, page_rows=page_rows)
    ]


async def test_every_page_size_reads_each_record_once_in_order(store: SqlRecordStore) -> None:
    records: list[Record] = [penalty(SAME_DAY, n) for n in range(1, 8)]
    records += [listed(SAME_DAY, None, n) for n in range(1, 4)]
    records += [coercive(SAME_DAY, None, n) for n in range(1, 3)]
    records += [penalty(date(2024, 1, 1), 20), listed(date(2023, 5, 1), None, 9), coercive(date(2025, 2, 1), None, 9)]
    await store.add_records(records)
    for page_rows in (1, 2, 3, 5, 7, 15, 16, 1000):
        read = await pages(store, page_rows)
        assert [record_id for page in read for record_id in page] == expected_order(records), page_rows
        assert all(len(page) == page_rows for page in read[:-1])
        assert 0 < len(read[-1]) <= page_rows


async def test_one_record_id_in_two_kinds_on_one_day_is_read_twice_across_a_page_break(
    store: SqlRecordStore,
) -> None:
    entry = listed(SAME_DAY, None, 1)
    twin = penalty(SAME_DAY, 1).model_copy(update={"record_id": entry.record_id})
    await store.add_records([twin, entry])
    assert await pages(store, 1) == [[entry.record_id], [entry.record_id]]
    kinds = [row["kind"] async for page in store.query_rows(COMPANY, *WINDOW, page_rows=1) for row in page]
    assert kinds == ["dishonesty_list_entry", "penalty"]


async def test_page_rows_must_be_positive(store: SqlRecordStore) -> None:
    with pytest.raises(ValueError, match="page_rows"):
        await pages(store, 0)


@pytest.mark.parametrize("store_factory", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_postgresql_orders_record_ids_by_code_point_whatever_the_collation(store: SqlRecordStore) -> None:
    # Under a linguistic collation "a-…" sorts before "B-…" and "_" is almost ignored; Python, SQLite and the
    # keyset need code point order: "B" (66) < "_" (95) < "a" (97).
    records = [penalty(SAME_DAY, n).model_copy(update={"record_id": rid}) for n, rid in enumerate(["a-1", "B-1", "_x"])]
    await store.add_records(records)
    engine = create_async_engine(store.url)
    async with engine.begin() as conn:
        await conn.execute(text('ALTER TABLE penalties ALTER COLUMN record_id TYPE varchar(40) COLLATE "und-x-icu"'))
        linguistic = (await conn.execute(text("SELECT record_id FROM penalties ORDER BY record_id"))).scalars().all()
    await engine.dispose()
    assert linguistic != ["B-1", "_x", "a-1"]  # the collation really differs from code point order
    assert await pages(store, 1000) == [["B-1", "_x", "a-1"]]
    assert await pages(store, 1) == [["B-1"], ["_x"], ["a-1"]]
