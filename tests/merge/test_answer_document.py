"""The answer document (jjj.region-answer/1): records survive it unchanged, it follows the wire conventions, it is
canonical JSON a verifier gets back by re-canonicalising, and reading refuses every invalid record naming where,
never echoing record content."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import AnswerInvalid, encode_document, read_document, record_models
from merge.canonical import canonical_json_of
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.identifiers import SubjectKind
from merge.records import (
    CoerciveMeasure,
    DishonestyListEntry,
    Licence,
    LicenceCategory,
    Penalty,
    PenaltyCategory,
    Procedure,
    RepairStatus,
    SubjectCategory,
)
from merge.regions import Region

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
        id_number="110105********0021",
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


def _document(records: list[AnyRecord], region: str = REGION) -> bytes:
    context = AnswerContext(
        region, "req-1", "jti-1", Edition.ADMINISTRATIVE, date(2021, 1, 1), date(2025, 12, 31),
        datetime(2025, 12, 31, 8, tzinfo=UTC), DEFAULT_COVERAGE[Region.from_code(region)] + ("taxation",),
    )  # fmt: skip
    subject = answer_subject(SubjectKind.ENTERPRISE, "91120116MA05JUKK3X", "天津市某某商贸有限公司")
    return encode_document(build_document(context, subject, records))


def test_records_round_trip_through_the_document() -> None:
    assert sorted(record_models(read_document(_document(SAMPLES))), key=lambda r: r.record_id) == sorted(
        SAMPLES, key=lambda r: r.record_id
    )


def test_the_document_follows_the_wire_conventions() -> None:
    document = json.loads(_document(SAMPLES))
    first = next(r for r in document["records"]["penalty"] if r["record_id"] == "p-1")
    assert first["decision_date"] == "2024-03-18"
    assert first["fine_amount"] == "2.5"
    assert first["categories"] == ["罚款", "没收违法所得"]
    assert first["kind"] == "penalty"
    assert "region_code" not in first  # the document names its region once
    empty = next(r for r in document["records"]["penalty"] if r["record_id"] == "p-2")
    # Fields at their default are left out: a record holds only what the region filled in.
    assert not {"fine_amount", "publicity_until", "remarks", "objection_open"} & set(empty)
    assert document["schema"] == "jjj.region-answer/1"
    assert document["summary"] == {
        "count_by_domain": {"ecology_environment": 1, "market_regulation": 2, "taxation": 2},
        "total": 5,
    }
    assert set(document["records"]) == {"coercive_measure", "dishonesty_list_entry", "penalty"}


def test_region_comes_from_the_document_not_the_record() -> None:
    assert {r.region_code for r in record_models(read_document(_document(SAMPLES, "110000")))} == {"110000"}


def test_a_verifier_gets_the_signed_bytes_back_by_re_canonicalising() -> None:
    data = _document(SAMPLES)
    assert canonical_json_of(json.loads(data)) == data


@given(st.text())
def test_free_text_round_trips_canonically(text: str) -> None:
    # msgspec writes the document and the verifier re-canonicalises with orjson: both must write any text alike.
    record = SAMPLES[0].model_copy(update={"remarks": text, "violation_facts": text + "x"})
    data = _document([record])
    assert canonical_json_of(json.loads(data)) == data


def _broken(mutate: str) -> bytes:
    document = json.loads(_document([SAMPLES[0]]))
    record = document["records"]["penalty"][0]
    if mutate == "date":
        record["decision_date"] = "2024/03/18"
    elif mutate == "impossible_date":
        record["publicity_until"] = "2024-02-30"
    elif mutate == "category":
        record["categories"].append("流放")
    elif mutate == "kind":
        record["kind"] = "exile"
    elif mutate == "body":
        document["records"]["coercive_measure"].append(record)
    elif mutate == "amount":
        record["fine_amount"] = "two"
    elif mutate == "negative":
        record["fine_amount"] = "-1"
    elif mutate == "domain":
        record["domain"] = "astrology"
    elif mutate == "required":
        del record["decision_date"]
    elif mutate == "procedure":
        record["procedure"] = "summary"
    return canonical_json_of(document)


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        ("date", "penalty[0].decision_date"),
        ("impossible_date", "penalty[0].publicity_until"),
        ("category", "penalty[0].categories[2]"),
        ("kind", "penalty[0].kind"),
        ("body", "coercive_measure[0]"),
        ("amount", "penalty[0].fine_amount"),
        ("negative", "amount"),
        ("domain", "penalty[0].domain"),
        ("required", "penalty[0]"),
        ("procedure", "penalty[0].procedure"),
    ],
)
def test_invalid_record_names_where(mutate: str, where: str) -> None:
    with pytest.raises(AnswerInvalid, match=re.escape(where)) as caught:
        read_document(_broken(mutate))
    # Record content is never echoed back (it may end up in logs).
    assert "流放" not in str(caught.value)
    assert "津市监罚" not in str(caught.value)
    assert "astrology" not in str(caught.value)


def test_every_struct_declares_its_fields_in_key_order() -> None:
    # The encoder writes struct fields in declaration order (and sorts dict keys): canonical only while each
    # struct's fields are declared sorted by their JSON names.
    import msgspec

    from merge import answer_document, confirmations

    structs = [
        answer_document.AnswerDocument, answer_document.AnswerRecords, answer_document.AnswerSubject,
        answer_document.AnswerSummary, answer_document.AnswerWindow, confirmations.WireConfirmation,
        confirmations.WireSeal, *(wire for _model, wire in answer_document.KINDS.values()),
    ]  # fmt: skip
    for struct in structs:
        names = [field.encode_name for field in msgspec.structs.fields(struct)]
        assert names == sorted(names), struct.__name__


LICENCE = Licence(
    region_code=REGION, record_id="x-1", domain="market_regulation", subject_name="天津市某某商贸有限公司",
    uscc="91120116MA05JUKK3X", document_name="食品经营许可决定书", document_no="津市监食许〔2025〕88号",
    category=LicenceCategory.ORDINARY, certificate_name="食品经营许可证", licence_no="JY11201160123456",
    content="预包装食品销售", decided_on=date(2025, 4, 10), valid_from=date(2025, 4, 10),
    valid_until=date(2030, 4, 9), authority_name="天津市滨海新区市场监督管理局", authority_uscc="11120116MB1744390L",
)  # fmt: skip
#: The standard's optional fields left empty: nothing of them is written.
BARE_LICENCE = Licence(
    region_code=REGION, record_id="x-2", domain="ecology_environment", subject_name="天津市某某商贸有限公司",
    uscc="91120116MA05JUKK3X", document_name="排污许可决定书", document_no="津环许〔2024〕5号",
    category=LicenceCategory.APPROVAL, content="排放大气污染物", decided_on=date(2024, 7, 1),
    authority_name="天津市生态环境局",
)  # fmt: skip


def test_licences_are_a_group_of_their_own_outside_the_summary() -> None:
    data = _document([*SAMPLES, LICENCE, BARE_LICENCE])
    document = json.loads(data)
    assert [r["record_id"] for r in document["records"]["licence"]] == ["x-1", "x-2"]
    bare = document["records"]["licence"][1]
    assert not {"certificate_name", "licence_no", "valid_from", "valid_until", "remarks"} & set(bare)
    assert bare["category"] == "核准"
    # The summary states the violations only: the same as without the licences.
    assert document["summary"] == json.loads(_document(SAMPLES))["summary"]
    read = read_document(data)
    assert len(read.records.all()) == len(SAMPLES)
    assert sorted(record_models(read), key=lambda r: r.record_id) == sorted(
        [*SAMPLES, LICENCE, BARE_LICENCE], key=lambda r: r.record_id
    )
    assert canonical_json_of(document) == data
    # A document without licences has no such group at all (its bytes are what they were before licences).
    assert "licence" not in json.loads(_document(SAMPLES))["records"]


def test_a_licence_only_document_states_no_records() -> None:
    document = read_document(_document([LICENCE]))
    assert (document.summary.total, document.summary.count_by_domain, document.records.all()) == (0, {}, [])
    assert len(document.records.licence) == 1


def _with_licence(mutate: str) -> bytes:
    document = json.loads(_document([SAMPLES[0], LICENCE]))
    licence = document["records"]["licence"][0]
    if mutate == "empty_group":
        document = json.loads(_document([SAMPLES[0]]))
        document["records"]["licence"] = []
    elif mutate == "category":
        licence["category"] = "随便"
    elif mutate == "same_id":
        licence["record_id"] = document["records"]["penalty"][0]["record_id"]
    elif mutate == "uncovered":
        licence["domain"] = "postal"  # not a domain Tianjin covers
    elif mutate == "resident_id":
        licence["licence_no"] = "11010519491231002X"
    elif mutate == "counted":
        document["summary"]["total"] += 1
        document["summary"]["count_by_domain"]["market_regulation"] += 1
    elif mutate == "date":
        licence["valid_until"] = "2030-02-30"
    return canonical_json_of(document)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        ("empty_group", "not in canonical form"),
        ("category", "licence[0].category"),
        ("same_id", "duplicate record_id"),
        ("uncovered", "licences in domains the region does not cover"),
        ("resident_id", "licence[0].licence_no"),
        ("counted", "summary total 2, but 1 records"),
        ("date", "licence[0].valid_until"),
    ],
)
def test_a_bad_licence_is_refused_naming_where(mutate: str, reason: str) -> None:
    with pytest.raises(AnswerInvalid, match=re.escape(reason)) as caught:
        read_document(_with_licence(mutate))
    assert "津市监食许" not in str(caught.value)
