"""The fast merge and canonical JSON (merge.fast, what the broker calls) equal the reference (merge.merging,
merge.canonical) byte for byte, for generated answers (hypothesis).

The fast path works on the decoded answer documents column by column, folds the sort key into integers, splices the
regions' signed bytes into the report and builds models without validation; the reference does none of that (it
parses each document's JSON again, one record at a time, every model validated, and re-encodes everything), so any
drift in the fast path shows as a difference here. Generated: every region outcome (absent, or any status), any
coverage, every record kind (licences, listed apart, among them), the same decision from several regions and several
times from one region (under different record ids), resident IDs (valid, invalid, lower-case x, inside longer
numbers) in identifiers and free text (masked as a node masks them before signing), registered and unregistered
subject names, enterprise and person subjects, empty reports. (What a document may not hold — domains outside the
catalogue, a record id twice, a full resident ID — is refused when it is read: tests/merge/test_answer_document.py.)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from merge import canonical, merging
from merge.answer_document import SubjectStatus
from merge.answer_document import record_models as document_records
from merge.answers import RegionAnswer, RegionStatus
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.fast import canonical as fast_canonical
from merge.fast import merging as fast_merging
from merge.fast.merging import trusted_cell, trusted_row
from merge.identifiers import Subject, SubjectKind
from merge.records import (
    VIOLATION_KINDS,
    CoerciveMeasure,
    DishonestyListEntry,
    Licence,
    LicenceCategory,
    Penalty,
    PenaltyCategory,
    RecordKind,
    RepairStatus,
    SubjectCategory,
    Violation,
)
from merge.regions import REGION_ORDER
from merge.report import CellState, MatrixCell, MatrixRow, ReportQuery
from tests.merge.conftest import not_answered, region_answer

CODES = [r.code for r in REGION_ORDER]
DOMAIN_POOL = ["market_regulation", "taxation", "customs", "ethnic_religious", "aa_unknown"][:4]
RESIDENT_IDS = ["11010519491231002X", "130102199003071233"]
NUMBERS = ["", *RESIDENT_IDS, "11010519491231002x", "110105194912310021", "E12345678"]
TEXTS = [
    "事实",
    "",
    f"身份证号{RESIDENT_IDS[0]}的当事人",
    RESIDENT_IDS[1],
    f"{RESIDENT_IDS[0].lower()}，{RESIDENT_IDS[1]}",
    "编号12345678901234567",
    "许可证号110105194912310021",  # the shape, not a valid resident ID
    f"A{RESIDENT_IDS[0]}",  # inside a longer run of letters and digits
]
ISSUED = datetime(2026, 1, 5, tzinfo=UTC)


def record_models(answer: RegionAnswer) -> list[AnyRecord]:
    assert answer.document is not None
    return document_records(answer.document)


def _query(person: bool) -> ReportQuery:
    subject = (
        Subject(SubjectKind.PERSON, RESIDENT_IDS[0])
        if person
        else Subject(SubjectKind.ENTERPRISE, "91110108551385082Q")
    )
    return ReportQuery(
        subject=subject,
        edition=Edition.PERSON if person else Edition.ADMINISTRATIVE,
        purpose="financing",
        window_from=date(2021, 1, 1),
        window_to=date(2025, 12, 31),
        application_date=date(2026, 1, 5),
    )


QUERIES = [_query(person=False), _query(person=True)]


@st.composite
def a_record(draw: st.DrawFn, region: str, index: int) -> AnyRecord:
    common: dict[str, Any] = {
        "region_code": region,
        # Unique within the region (a document names each record once), in no particular order.
        "record_id": f"{region}-{draw(st.integers(0, 2))}-{index}",
        "domain": draw(st.sampled_from(DOMAIN_POOL)),
        "subject_name": draw(st.sampled_from(["甲公司", "乙公司"])),
    }
    n = draw(st.integers(0, 3))  # few numbers, so that regions often send the same decision
    day = date(2024, 1, 1 + draw(st.integers(0, 2)))
    text = draw(st.sampled_from(TEXTS))
    number = draw(st.sampled_from(NUMBERS))
    kind = draw(st.sampled_from(list(RecordKind)))
    if kind is RecordKind.PENALTY:
        return Penalty(
            **common,
            subject_category=SubjectCategory.LEGAL_PERSON,
            id_type=draw(st.sampled_from(["", "身份证", "居民身份证", "护照"])) if number else "",
            id_number=number,
            decision_no=f"罚{n}",
            violation_type="v",
            violation_facts=text,
            legal_basis="b",
            categories=tuple(draw(st.sets(st.sampled_from(list(PenaltyCategory)), min_size=0, max_size=2))),
            content=draw(st.sampled_from(TEXTS)),
            remarks=draw(st.sampled_from(TEXTS)),
            fine_amount=draw(st.sampled_from([None, Decimal(n) / 4, Decimal("1E+3"), Decimal("0.0500")])),
            decision_date=day,
            authority_name=draw(st.sampled_from(["某局", "另一局"])),
            authority_uscc=draw(st.sampled_from(["", "11110105MB0123456F"])),
            repair_status=draw(st.sampled_from(list(RepairStatus))),
        )
    if kind is RecordKind.DISHONESTY_LIST_ENTRY:
        return DishonestyListEntry(
            **common, id_number=number, list_name="某名单", authority_name="某局", listed_on=day,
            document_no=draw(st.sampled_from(["", f"文{n}"])), reason=text,
        )  # fmt: skip
    if kind is RecordKind.LICENCE:
        # Not violations: listed apart, never merged; optional fields of the standard present or not.
        ends = draw(st.sampled_from([None, date(2024, 1, 1), date(2030, 12, 31)]))
        return Licence(
            **common, uscc=draw(st.sampled_from(["", "91110108551385082Q"])), id_number=number,
            document_name="食品经营许可决定书", document_no=f"许{n}",
            category=draw(st.sampled_from(list(LicenceCategory))),
            certificate_name=draw(st.sampled_from(["", "食品经营许可证"])), licence_no=draw(st.sampled_from(NUMBERS)),
            content=text, decided_on=day, valid_from=draw(st.sampled_from([None, day])), valid_until=ends,
            authority_name=draw(st.sampled_from(["某局", "另一局"])),
            authority_uscc=draw(st.sampled_from(["", "11110105MB0123456F"])), remarks=draw(st.sampled_from(TEXTS)),
        )  # fmt: skip
    return CoerciveMeasure(
        **common, id_number=number, document_no=f"强{n}", measure_type="查封", authority_name="某局",
        decided_on=day, reason=text,
    )  # fmt: skip


@st.composite
def answers(draw: st.DrawFn, query: ReportQuery) -> list[RegionAnswer]:
    result = []
    for code in draw(st.permutations(CODES)):
        if draw(st.integers(0, 5)) == 0:
            continue  # absent from the input altogether
        status = draw(st.sampled_from([RegionStatus.ANSWERED] * 4 + list(RegionStatus)))
        latency = draw(st.floats(0, 5000, allow_nan=False))
        if status is not RegionStatus.ANSWERED:
            result.append(not_answered(code, status, draw(st.sampled_from([None, "deadline"])), latency))
            continue
        count = draw(st.integers(0, 8))
        records = [draw(a_record(code, index)) for index in range(count)]
        result.append(
            region_answer(
                code, records, query=query, covered=draw(st.sets(st.sampled_from(DOMAIN_POOL))), latency_ms=latency,
                data_as_of=datetime(2026, 1, 4, 16, draw(st.integers(0, 59)), tzinfo=UTC),
                subject_name=draw(st.sampled_from(["", "甲公司", "乙公司"])),
                subject_status=draw(st.sampled_from(list(SubjectStatus))),
                signer=draw(st.sampled_from([None, "CN=region answers"])),
            )
        )  # fmt: skip
    return result


@st.composite
def query_and_answers(draw: st.DrawFn) -> tuple[ReportQuery, list[RegionAnswer]]:
    query = draw(st.sampled_from(QUERIES))
    return query, draw(answers(query))


@settings(max_examples=400, deadline=None)
@given(query_and_answers())
def test_fast_merge_and_canonical_json_equal_the_reference_byte_for_byte(
    generated: tuple[ReportQuery, list[RegionAnswer]],
) -> None:
    query, given = generated
    expected = merging.merge_report(query, given, report_no="R-1", issued_at=ISSUED)
    report = fast_merging.merge_report(query, given, report_no="R-1", issued_at=ISSUED)
    # Both reports hold their records in the column store, which builds items with the fast path's own
    # constructors when read: the reference's items are also taken as the reference built them.
    answered = [a for a in merging.answers_by_region(given).values() if a.answered]
    models = {a.region_code: record_models(a) for a in answered}
    region_records: dict[str, list[Violation]] = {
        code: [r for r in records if not isinstance(r, Licence)] for code, records in models.items()
    }
    items = merging.merged_records(region_records)
    assert list(report.records) == list(expected.records) == items
    assert report == expected
    body = canonical.canonical_json(expected)
    document = expected.model_dump(mode="json", by_alias=True, exclude={"records"})
    document["records"] = [item.model_dump(mode="json") for item in items]
    assert body == canonical.canonical_json_of(document)
    assert fast_canonical.canonical_json(report) == body
    # Each canonical form of either report: the fast one holds for any report, however it was built.
    assert fast_canonical.canonical_json(expected) == body == canonical.canonical_json(report)
    # The counts, read plainly off the input.
    sent = {code: Counter(r.domain for r in records) for code, records in region_records.items()}
    for row in report.matrix:
        for code, cell in row.cells.items():
            assert cell.count == sent.get(code, Counter())[row.domain]
    assert report.summary.by_kind == {k: sum(i.kind is k for i in items) for k in VIOLATION_KINDS}
    assert report.summary.duplicates_merged == sum(map(len, region_records.values())) - len(items)
    # Every region part is in the report exactly as it came; the items refer to records that are in them.
    for line, answer in zip(report.regions, merging.answers_by_region(given).values(), strict=True):
        assert line.answer == answer.part
    held = {(code, r.record_id) for code, records in region_records.items() for r in records}
    assert {(i.region, i.record_id) for i in items} <= held
    # The licences, read plainly: every answered region's, in report order of regions, newest decision first
    # (then record id), none merged, none counted.
    licences = [
        (code, r.record_id, r.domain, r.decided_on, r.valid_until)
        for code in CODES
        for r in sorted(
            (r for r in models.get(code, ()) if isinstance(r, Licence)),
            key=lambda r: (-r.decided_on.toordinal(), r.record_id),
        )
    ]
    assert [(i.region, i.record_id, i.domain, i.decided_on, i.valid_until) for i in report.licences] == licences
    assert report.licences == expected.licences
    # And the document built on them is the one a model_dump gives.
    again = report.model_validate_json(body)
    assert fast_canonical.canonical_json(again) == body


def test_trusted_matrix_parts_equal_model_construct() -> None:
    cell = trusted_cell(CellState.RECORDS, 3)
    assert cell == MatrixCell.model_construct(state=CellState.RECORDS, count=3)
    assert cell.model_fields_set == {"state", "count"}
    row = trusted_row("taxation", "税务", {CODES[0]: cell})
    slow = MatrixRow.model_construct(domain="taxation", domain_name="税务", cells={CODES[0]: cell})
    assert row == slow
    assert row.model_fields_set == slow.model_fields_set
    assert row.model_dump(mode="json") == slow.model_dump(mode="json")
