"""Record models: the discriminated union, strictness, dedup keys and event dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, Record, RecordKind

RECORD = TypeAdapter(Record)
PENALTY = {
    "kind": "penalty",
    "region_code": "130000",
    "record_id": "h-1",
    "domain": "ecology_environment",
    "subject_name": "河北某化工有限公司",
    "subject_category": "法人及非法人组织",
    "decision_no": "冀环罚〔2025〕12号",
    "violation_type": "超标排放",
    "violation_facts": "f",
    "legal_basis": "b",
    "categories": ["罚款", "责令停产停业"],
    "content": "c",
    "fine_amount": "20.5",
    "decision_date": "2025-04-01",
    "authority_name": "石家庄市生态环境局",
    "authority_uscc": "11130100MB0000000X",
}


def test_union_picks_the_kind_and_parses_chinese_enumerations() -> None:
    record = RECORD.validate_python(PENALTY)
    assert isinstance(record, Penalty)
    assert record.fine_amount == Decimal("20.5")
    assert record.event_date == date(2025, 4, 1)
    assert record.dedup_key == ("penalty", "11130100MB0000000X", "冀环罚〔2025〕12号")
    # Round trip through JSON keeps the record.
    assert RECORD.validate_json(RECORD.dump_json(record)) == record


def test_dedup_key_falls_back_to_authority_name_without_its_uscc() -> None:
    record = RECORD.validate_python({**PENALTY, "authority_uscc": ""})
    assert record.dedup_key == ("penalty", "石家庄市生态环境局", "冀环罚〔2025〕12号")


def test_list_entry_and_measure_keys_and_dates() -> None:
    entry = DishonestyListEntry(
        region_code="130000",
        record_id="l",
        domain="taxation",
        subject_name="s",
        list_name="重大税收违法失信主体",
        authority_name="a",
        listed_on=date(2024, 5, 6),
    )
    assert entry.kind is RecordKind.DISHONESTY_LIST_ENTRY
    assert entry.event_date == date(2024, 5, 6)
    assert entry.dedup_key == ("list", "重大税收违法失信主体", "a", "2024-05-06")
    measure = CoerciveMeasure(
        region_code="130000",
        record_id="m",
        domain="taxation",
        subject_name="s",
        document_no="强3",
        measure_type="扣押",
        authority_name="a",
        decided_on=date(2024, 7, 8),
    )
    assert measure.event_date == date(2024, 7, 8)
    assert measure.dedup_key == ("coercive", "a", "强3")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "parking_ticket"}, "kind"),
        ({"categories": ["打屁股"]}, "categories"),
        ({"decision_date": "2025-02-30"}, "decision_date"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_records_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        RECORD.validate_python({**PENALTY, **change})


def test_records_are_frozen() -> None:
    record = RECORD.validate_python(PENALTY)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(record, "domain", "x")  # noqa: B010 - mypy knows it is frozen; this checks the runtime


def _columns(cls: type[Penalty | DishonestyListEntry | CoerciveMeasure], records: list[Any]) -> dict[str, list[Any]]:
    return {name: [r.__dict__[name] for r in records] for name in cls.KEY_FIELDS}


def test_column_wise_dedup_keys_and_dates_equal_the_properties_for_every_kind() -> None:
    # The merge reads keys and dates column by column (merge.merging._Columns); the properties are the rule.
    penalties = [
        RECORD.validate_python({**PENALTY, "decision_no": f"罚{n}", "authority_uscc": uscc})
        for n, uscc in enumerate(["11130100MB0000000X", "", "11130100MB0000000X"])
    ]
    entries = [
        DishonestyListEntry(
            region_code="130000", record_id=f"l{n}", domain="taxation", subject_name="s", list_name="名单",
            authority_name="a", listed_on=date(2024, 5, 6 + n), document_no=document,
        )
        for n, document in enumerate(["文1", "", "文3"])
    ]  # fmt: skip
    measures = [
        CoerciveMeasure(
            region_code="130000", record_id=f"m{n}", domain="taxation", subject_name="s", document_no=f"强{n}",
            measure_type="扣押", authority_name="a", decided_on=date(2024, 7, 8),
        )
        for n in range(2)
    ]  # fmt: skip
    for cls, records in ((Penalty, penalties), (DishonestyListEntry, entries), (CoerciveMeasure, measures)):
        assert cls.dedup_keys(_columns(cls, records)) == [r.dedup_key for r in records]
        assert [r.__dict__[cls.EVENT_DATE_FIELD] for r in records] == [r.event_date for r in records]
        assert set(cls.TEXT_FIELDS) <= set(cls.model_fields)
    # Both fallbacks were exercised: a penalty without its authority's USCC, an entry without a document number.
    assert penalties[1].dedup_key[1] == "石家庄市生态环境局"
    assert entries[1].dedup_key[3] == "2024-05-07"
    assert Penalty.dedup_keys(_columns(Penalty, [])) == []
