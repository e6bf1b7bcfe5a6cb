"""Record models: the discriminated union, strictness, dedup keys and event dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
