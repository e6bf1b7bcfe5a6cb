"""merge.fast.answer_rows: the document built from rows is the reference's, byte for byte.

The reference is the readable rule: :func:`merge.masking.masked` on each record model, then
:func:`merge.answer_builder.build_document`, then :func:`merge.answer_document.encode_document`. The fast path gets
each record's JSON form (what the node's store reads) and must give the same bytes — for the seed's records of every
kind (licences with and without the standard's optional fields), with full resident IDs (valid, lower-case, failing
their checksum, inside longer runs) planted in every text field and in ``id_number`` under several ``id_type``
values, and amounts, categories and dates as the seed makes them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.seed import generate
from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import SubjectStatus, encode_document
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.fast.answer_rows import document_from_rows, masked_row
from merge.identifiers import SubjectKind
from merge.masking import masked
from merge.regions import Region
from tests.merge.test_merging import OTHER_RESIDENT_ID, RESIDENT_ID

SEEDED: list[AnyRecord] = list(generate(Region.TIANJIN, 30, seed=11))  # type: ignore[arg-type]
PLANTS = ["", RESIDENT_ID, RESIDENT_ID.lower(), "110105194912310021", f"A{RESIDENT_ID}", OTHER_RESIDENT_ID]
CONTEXT = AnswerContext(
    region_code="120000", request_id="req-7", warrant_id="jti-7", edition=Edition.ADMINISTRATIVE,
    window_from=date(2020, 1, 1), window_to=date(2026, 6, 30), data_as_of=datetime(2026, 6, 1, tzinfo=UTC),
    covered_domains=("taxation", "market_regulation", "education"),
)  # fmt: skip


#: The seed grants few licences (one per shared enterprise): drawn on their own, so that documents often hold some.
LICENCES = [record for record in SEEDED if record.kind == "licence"]


@st.composite
def a_licence(draw: st.DrawFn) -> AnyRecord:
    """A seeded licence, its optional fields of the standard given or not, held by an enterprise or a person."""
    record = draw(st.sampled_from(LICENCES))
    update: dict[str, object] = {}
    for name in ("certificate_name", "licence_no", "valid_from", "valid_until", "authority_uscc", "data_source"):
        if draw(st.booleans()):
            update[name] = None if name.startswith("valid_") else ""
    if draw(st.booleans()):
        update |= {"uscc": "", "id_number": RESIDENT_ID}
    return record.model_copy(update=update) if update else record


@st.composite
def planted(draw: st.DrawFn) -> AnyRecord:
    """A seeded record with resident IDs (or look-alikes) written into its text and id_number."""
    record = draw(st.one_of(st.sampled_from(SEEDED), a_licence()))
    update: dict[str, object] = {}
    for name in record.TEXT_FIELDS:
        plant = draw(st.sampled_from(PLANTS))
        if plant:
            update[name] = draw(st.sampled_from([f"{plant}", f"甲（{plant}）乙", f"{getattr(record, name)} {plant}"]))
    if draw(st.booleans()):
        update["id_number"] = draw(st.sampled_from([*PLANTS, "E12345678"]))
    if "id_type" in type(record).model_fields and draw(st.booleans()):
        update["id_type"] = draw(st.sampled_from(["居民身份证", "其他", "护照", ""]))
    return record.model_copy(update=update) if update else record


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(planted(), max_size=12, unique_by=lambda r: (r.kind, r.record_id)),
    registered=st.booleans(),
)
def test_document_from_rows_is_the_reference_document(records: list[AnyRecord], registered: bool) -> None:
    status = SubjectStatus.REGISTERED if registered else SubjectStatus.NOT_REGISTERED
    subject = answer_subject(SubjectKind.ENTERPRISE, "91120000MA05L1234X", "天津某公司", status)
    reference = encode_document(build_document(CONTEXT, subject, [masked(record) for record in records]))
    # Through JSON: every string a new object, as the database gives them (not the enumerations' own values).
    rows = [masked_row(json.loads(json.dumps(record.model_dump(mode="json")))) for record in records]
    assert encode_document(document_from_rows(CONTEXT, subject, rows)) == reference


def test_masked_row_masks_what_the_model_rule_masks_and_leaves_a_clean_row_alone() -> None:
    record = SEEDED[0].model_copy(update={"id_number": RESIDENT_ID})
    row = masked_row(record.model_dump(mode="json"))
    assert row == masked(record).model_dump(mode="json")
    assert row["id_number"] == "110105********002X"
    clean = masked(SEEDED[0]).model_dump(mode="json")
    assert masked_row(clean) is clean
