"""Round trips between the merge models and the protocol messages, and rejection of invalid messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from adapters.convert import (
    EDITION_FROM_PROTO,
    EDITION_TO_PROTO,
    SUBJECT_KIND_FROM_PROTO,
    SUBJECT_KIND_TO_PROTO,
    datetime_from_timestamp,
    record_from_proto,
    record_to_proto,
    timestamp_from_datetime,
)
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.identifiers import SubjectKind
from merge.records import (
    CoerciveMeasure,
    DishonestyListEntry,
    Penalty,
    PenaltyCategory,
    Procedure,
    RepairStatus,
    SubjectCategory,
)
from protos.credit.v1 import adapter_pb2

REGION = "120000"


def _penalty(**changes: object) -> Penalty:
    base = Penalty(
        region_code=REGION,
        record_id="p-1",
        domain="market_regulation",
        subject_name="天津市某某商贸有限公司",
        subject_category=SubjectCategory.LEGAL_PERSON,
        uscc="91120116MA05JUKK3X",
        legal_representative="张三",
        decision_no="津市监罚〔2024〕17号",
        violation_type="虚假宣传",
        violation_facts="发布虚假广告",
        legal_basis="《中华人民共和国广告法》第五十五条",
        categories=(PenaltyCategory.FINE, PenaltyCategory.CONFISCATE_ILLEGAL_GAINS),
        content="罚款2.5万元，没收违法所得0.125万元",
        fine_amount=Decimal("2.5"),
        confiscated_amount=Decimal("0.125"),
        decision_date=date(2024, 3, 18),
        valid_until=date(2024, 9, 18),
        publicity_until=date(2027, 3, 18),
        authority_name="天津市滨海新区市场监督管理局",
        authority_uscc="11120116MB1744390L",
        procedure=Procedure.ORDINARY,
        repair_status=RepairStatus.REPAIRED,
        repaired_on=date(2025, 1, 6),
        objection_open=True,
    )
    return base.model_copy(update=changes)


SAMPLES: list[AnyRecord] = [
    _penalty(),
    # Optional dates and amounts absent, a person subject, simple procedure, a decision not to penalise.
    _penalty(
        record_id="p-2",
        subject_category=SubjectCategory.NATURAL_PERSON,
        uscc="",
        id_type="身份证",
        id_number="110105194912310021",
        fine_amount=None,
        confiscated_amount=None,
        valid_until=None,
        publicity_until=None,
        repaired_on=None,
        repair_status=RepairStatus.NONE,
        procedure=Procedure.SIMPLE,
        not_penalised=True,
        categories=(PenaltyCategory.WARNING,),
        objection_open=False,
    ),
    DishonestyListEntry(
        region_code=REGION,
        record_id="l-1",
        domain="taxation",
        subject_name="天津市某某商贸有限公司",
        list_name="重大税收违法失信主体名单",
        authority_name="国家税务总局天津市税务局",
        listed_on=date(2023, 5, 1),
        removed_on=date(2024, 5, 1),
        reason="虚开增值税专用发票",
        document_no="津税稽〔2023〕8号",
    ),
    DishonestyListEntry(
        region_code=REGION,
        record_id="l-2",
        domain="taxation",
        subject_name="某某",
        list_name="失信名单",
        authority_name="机关",
        listed_on=date(2023, 5, 1),
    ),
    CoerciveMeasure(
        region_code=REGION,
        record_id="c-1",
        domain="ecology_environment",
        subject_name="天津市某某化工有限公司",
        document_no="津环强〔2024〕3号",
        measure_type="查封场所、设施或者财物",
        reason="超标排放",
        authority_name="天津市生态环境局",
        decided_on=date(2024, 7, 2),
    ),
]


@pytest.mark.parametrize("record", SAMPLES, ids=lambda r: r.record_id)
def test_record_round_trip(record: AnyRecord) -> None:
    message = record_to_proto(record)
    # Survive the wire, not only the in-memory message.
    wire = adapter_pb2.Record.FromString(message.SerializeToString())
    assert record_from_proto(wire, REGION) == record


def test_wire_form_follows_the_conventions() -> None:
    message = record_to_proto(SAMPLES[0])
    assert message.kind == adapter_pb2.RECORD_KIND_PENALTY
    assert message.WhichOneof("body") == "penalty"
    assert message.penalty.decision_date == "2024-03-18"
    assert message.penalty.fine_amount == "2.5"
    assert list(message.penalty.categories) == ["罚款", "没收违法所得"]
    empty = record_to_proto(SAMPLES[1]).penalty
    assert empty.fine_amount == ""
    assert empty.publicity_until == ""


def test_region_comes_from_the_answer_not_the_record() -> None:
    assert record_from_proto(record_to_proto(SAMPLES[0]), "110000").region_code == "110000"


def _broken(mutate: str) -> adapter_pb2.Record:
    message = record_to_proto(SAMPLES[0])
    if mutate == "date":
        message.penalty.decision_date = "2024/03/18"
    elif mutate == "impossible_date":
        message.penalty.publicity_until = "2024-02-30"
    elif mutate == "category":
        message.penalty.categories.append("流放")
    elif mutate == "kind":
        message.kind = adapter_pb2.RECORD_KIND_UNSPECIFIED
    elif mutate == "body":
        message.kind = adapter_pb2.RECORD_KIND_COERCIVE_MEASURE
    elif mutate == "amount":
        message.penalty.fine_amount = "two"
    elif mutate == "negative":
        message.penalty.fine_amount = "-1"
    elif mutate == "domain":
        message.domain = "astrology"
    elif mutate == "required":
        message.penalty.decision_date = ""
    elif mutate == "procedure":
        message.penalty.procedure = "summary"
    return message


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        ("date", "penalty.decision_date"),
        ("impossible_date", "penalty.publicity_until"),
        ("category", "penalty.categories"),
        ("kind", "kind"),
        ("body", "body"),
        ("amount", "penalty.fine_amount"),
        ("negative", "penalty.fine_amount"),
        ("domain", "domain"),
        ("required", "penalty.decision_date"),
        ("procedure", "penalty.procedure"),
    ],
)
def test_invalid_record_names_the_field(mutate: str, field: str) -> None:
    with pytest.raises(ValueError, match=field) as caught:
        record_from_proto(_broken(mutate), REGION)
    # Record content is never echoed back (it may end up in logs).
    assert "流放" not in str(caught.value)
    assert "津市监罚" not in str(caught.value)


def test_enum_mappings_are_total_and_inverse() -> None:
    assert set(EDITION_TO_PROTO) == set(Edition)
    assert set(SUBJECT_KIND_TO_PROTO) == set(SubjectKind)
    for edition, value in EDITION_TO_PROTO.items():
        assert EDITION_FROM_PROTO[value] is edition
    for kind, kind_value in SUBJECT_KIND_TO_PROTO.items():
        assert SUBJECT_KIND_FROM_PROTO[kind_value] is kind
    assert adapter_pb2.EDITION_UNSPECIFIED not in EDITION_FROM_PROTO


def test_timestamp_round_trip_keeps_the_instant() -> None:
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2025, 3, 31, 18, 30, 5, 123456, tzinfo=beijing)
    back = datetime_from_timestamp(timestamp_from_datetime(moment))
    assert back == moment
    assert back.tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        timestamp_from_datetime(datetime(2025, 3, 31, 18, 30))
