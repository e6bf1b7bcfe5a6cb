"""merge.masking: which numbers in a record are full resident IDs, and what masking leaves of them."""

from __future__ import annotations

from datetime import date

from merge.masking import is_full_resident_id, mask_text, masked
from merge.records import CoerciveMeasure, Licence, LicenceCategory
from tests.merge.test_merging import BJ, OTHER_RESIDENT_ID, RESIDENT_ID, penalty


def test_only_valid_standalone_resident_ids_in_text_are_masked() -> None:
    assert mask_text(f"甲（{RESIDENT_ID}）乙") == "甲（110105********002X）乙"
    assert mask_text(RESIDENT_ID.lower()) == "110105********002x"  # a lower-case check character is one too
    assert mask_text(f"{RESIDENT_ID}\n{OTHER_RESIDENT_ID}") == "110105********002X\n130102********1233"
    untouched = ["110105194912310021", f"A{RESIDENT_ID}", f"{RESIDENT_ID}9", "12345678901234567", ""]
    assert [mask_text(text) for text in untouched] == untouched  # bad checksum, inside longer runs, too short


def test_an_id_number_is_masked_by_its_type_or_by_its_checksum() -> None:
    assert is_full_resident_id("居民身份证", "110105194912310021")  # said to be one: masked even if it fails
    assert is_full_resident_id("其他", OTHER_RESIDENT_ID)
    assert not is_full_resident_id("护照", "E12345678")
    assert masked(penalty(BJ, 1, id_type="其他", id_number=OTHER_RESIDENT_ID)).id_number == "130102********1233"


def test_other_kinds_mask_their_id_number_and_an_unchanged_record_is_the_same_object() -> None:
    measure = CoerciveMeasure(
        region_code=BJ, record_id="c1", domain="taxation", subject_name="张三", id_number=RESIDENT_ID,
        document_no="强1", measure_type="查封", authority_name="某局", decided_on=date(2025, 1, 1), reason="欠税",
    )  # fmt: skip
    assert masked(measure).id_number == "110105********002X"
    assert masked(measure).reason == "欠税"
    plain = penalty(BJ, 2, violation_facts="许可证号123456789012345678")
    assert masked(plain) is plain


def test_a_persons_licence_masks_the_holders_number_wherever_it_stands() -> None:
    # A driving licence is numbered by the holder's resident ID: the number is masked like the free text.
    licence = Licence(
        region_code=BJ, record_id="x1", domain="transport", subject_name="张三", id_number=RESIDENT_ID,
        document_name="机动车驾驶证核发决定", document_no="京公交许〔2024〕1号", category=LicenceCategory.OTHER,
        licence_no=RESIDENT_ID, content=f"准驾车型C1，持证人{RESIDENT_ID}", remarks=OTHER_RESIDENT_ID,
        decided_on=date(2024, 1, 1), authority_name="北京市公安局公安交通管理局",
    )  # fmt: skip
    shown = masked(licence)
    assert (shown.id_number, shown.licence_no, shown.remarks) == (
        "110105********002X", "110105********002X", "130102********1233",
    )  # fmt: skip
    assert shown.content == "准驾车型C1，持证人110105********002X"
    untouched = licence.model_copy(
        update={"id_number": "", "licence_no": "JY11201160123456", "content": "预包装食品销售", "remarks": ""}
    )
    assert masked(untouched) is untouched
