"""The store's rows are the JSON form of its records, on SQLite and on PostgreSQL (adapters/record_rows.py).

Seeded records of every kind (penalties with and without amounts and categories, list entries removed or not,
measures lifted or not) go in through ``add_records``; ``query_rows`` must give back exactly
``record.model_dump(mode="json")`` of each, amounts normalised as the store keeps them, and rows an encoder can
take as they are.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import orjson

from adapters.schema import normalise_amount
from adapters.seed import generate
from adapters.store import SqlRecordStore
from merge.identifiers import Subject, SubjectKind
from merge.records import Penalty, Record
from merge.regions import Region
from tests.adapters.test_store import COMPANY, penalty

ALL_TIME = (date(2000, 1, 1), date(2030, 12, 31))
AMOUNTS = ("fine_amount", "confiscated_amount")


def json_form(record: Record) -> dict[str, object]:
    """What the store is to give back: the record's JSON form, amounts as the store normalises them."""
    form = record.model_dump(mode="json")
    for name in AMOUNTS:
        if form.get(name) is not None:
            form[name] = str(normalise_amount(form[name]))
    return form


def subject_of(record: Record) -> Subject:
    uscc = getattr(record, "uscc", "")
    return Subject(SubjectKind.ENTERPRISE, uscc) if uscc else Subject(SubjectKind.PERSON, record.id_number)


async def rows(store: SqlRecordStore, subject: Subject) -> list[dict[str, object]]:
    return [row async for page in store.query_rows(subject, *ALL_TIME) for row in page]


async def test_rows_are_the_json_form_of_every_seeded_record(store: SqlRecordStore) -> None:
    records = list(generate(Region.TIANJIN, 12, seed=5))
    assert {r.kind for r in records} == {"penalty", "dishonesty_list_entry", "coercive_measure", "licence"}
    await store.add_records(records)
    subjects = {subject_of(r) for r in records}
    assert any(s.kind is SubjectKind.PERSON for s in subjects)
    for subject in subjects:
        mine = [r for r in records if subject_of(r) == subject]
        expected = sorted(mine, key=lambda r: (-r.event_date.toordinal(), r.record_id, r.kind.value))
        assert await rows(store, subject) == [json_form(r) for r in expected]


async def test_rows_round_trip_through_their_model_and_encode_as_they_are(store: SqlRecordStore) -> None:
    amounts = [Decimal("10"), Decimal("2.500000"), Decimal("0.000001"), Decimal("123456789012.5"), None]
    records = [
        penalty(date(2024, 1, 1 + n), n, fine_amount=amount, confiscated_amount=amount)
        for n, amount in enumerate(amounts)
    ]
    await store.add_records(records)
    found = await rows(store, COMPANY)
    assert [row["fine_amount"] for row in found] == [None, "123456789012.5", "0.000001", "2.5", "10"]
    for row in found:
        assert all(type(key) is str for key in row)  # orjson refuses str subclasses as keys
        assert orjson.loads(orjson.dumps(row, option=orjson.OPT_SORT_KEYS)) == row  # no `default` needed
        assert Penalty.model_validate(row).model_dump(mode="json") == row
    assert [r.record_id async for r in store.query(COMPANY, *ALL_TIME)] == [row["record_id"] for row in found]
