"""Record models: the discriminated union, strictness, dedup keys and event dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from merge.records import (
    VIOLATION_KINDS,
    CoerciveMeasure,
    DishonestyListEntry,
    Licence,
    LicenceCategory,
    Penalty,
    Record,
    RecordKind,
)

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


LICENCE = {
    "kind": "licence",
    "region_code": "120000",
    "record_id": "t-1",
    "domain": "market_regulation",
    "subject_name": "天津海川商贸有限公司",
    "uscc": "91120116MA05JUKK35",
    "document_name": "食品经营许可决定书",
    "document_no": "津市监食许〔2025〕88号",
    "category": "普通",
    "certificate_name": "食品经营许可证",
    "licence_no": "JY11201160123456",
    "content": "预包装食品销售",
    "decided_on": "2025-04-10",
    "valid_from": "2025-04-10",
    "valid_until": "2030-04-09",
    "authority_name": "天津市滨海新区市场监督管理局",
    "authority_uscc": "11120116MB1744390L",
}


def test_a_licence_is_a_kind_of_its_own_after_the_licensing_standard_and_not_a_violation() -> None:
    licence = RECORD.validate_python(LICENCE)
    assert isinstance(licence, Licence)
    assert licence.kind is RecordKind.LICENCE
    assert licence.category is LicenceCategory.ORDINARY
    assert (licence.event_date, licence.valid_from, licence.valid_until) == (
        date(2025, 4, 10), date(2025, 4, 10), date(2030, 4, 9),
    )  # fmt: skip
    assert licence.dedup_key == ("licence", "11120116MB1744390L", "津市监食许〔2025〕88号")
    assert RECORD.validate_python({**LICENCE, "authority_uscc": ""}).dedup_key == (
        "licence", "天津市滨海新区市场监督管理局", "津市监食许〔2025〕88号",
    )  # fmt: skip
    # Optional fields of the standard default to empty; the masking looks in the number and the free text.
    optional = {"certificate_name", "licence_no", "valid_from", "valid_until"}
    bare = {k: v for k, v in LICENCE.items() if k not in optional}
    assert RECORD.validate_python(bare).valid_until is None
    assert Licence.TEXT_FIELDS == ("licence_no", "content", "remarks")
    assert RECORD.validate_json(RECORD.dump_json(licence)) == licence
    assert RecordKind.LICENCE not in VIOLATION_KINDS
    assert set(VIOLATION_KINDS) == set(RecordKind) - {RecordKind.LICENCE}
    assert [c.value for c in LicenceCategory] == ["普通", "特许", "认可", "核准", "登记", "其他"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"category": "随便"}, "category"), ({"decided_on": "2025-02-30"}, "decided_on"), ({"fee": 1}, "fee")],
)
def test_bad_licences_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        RECORD.validate_python({**LICENCE, **change})


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
