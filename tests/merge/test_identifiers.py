"""Identifiers: USCC and resident ID checks (python-stdnum), recognition and the one masking rule."""

from __future__ import annotations

import pytest

from merge.identifiers import (
    InvalidIdentifier,
    Subject,
    SubjectKind,
    mask_resident_id,
    parse_subject,
    validate_resident_id,
    validate_uscc,
)

USCC = "91110108551385082Q"
RESIDENT_ID = "11010519491231002X"


@pytest.mark.parametrize("value", [USCC, "11110105MB0123456F", "91130100MA07ABCD1J", " 91110108551385082q "])
def test_valid_uscc(value: str) -> None:
    assert validate_uscc(value.strip()) == value.strip().upper()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91110108551385082A", "checksum"),  # wrong check character
        ("9111010855138508", "length"),  # too short
        ("", "length"),
    ],
)
def test_invalid_uscc(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match="unified social credit code") as caught:
        validate_uscc(value)
    assert reason in caught.value.reason.lower()
    assert caught.value.value_kind == "unified social credit code"


@pytest.mark.parametrize("value", [RESIDENT_ID, "130102199003071233", "120101198511204562"])
def test_valid_resident_id(value: str) -> None:
    assert validate_resident_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check digit
        "110105194902301234",  # February 30th
        "11010519491231",  # too short
    ],
)
def test_invalid_resident_id_and_the_error_never_shows_it(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="resident ID number") as caught:
        validate_resident_id(value)
    assert value not in str(caught.value)


def test_masking_keeps_division_and_last_four() -> None:
    assert mask_resident_id(RESIDENT_ID) == "110105********002X"
    assert mask_resident_id("123") == "***"  # not a resident ID's shape: hide all of it


def test_parse_subject_recognises_each_kind() -> None:
    assert parse_subject(f" {USCC.lower()} ") == Subject(SubjectKind.ENTERPRISE, USCC)
    assert parse_subject(RESIDENT_ID.lower()) == Subject(SubjectKind.PERSON, RESIDENT_ID)
    with pytest.raises(InvalidIdentifier, match="empty"):
        parse_subject("   ")


def test_parse_subject_reports_the_resident_id_error_for_an_id_shaped_value() -> None:
    with pytest.raises(InvalidIdentifier, match="resident ID number"):
        parse_subject("110105194912310021")


def test_subject_repr_and_masked_never_show_a_full_resident_id() -> None:
    person = Subject(SubjectKind.PERSON, RESIDENT_ID)
    assert person.masked == "110105********002X"
    assert RESIDENT_ID not in repr(person)
    assert RESIDENT_ID not in str(person)
    assert Subject(SubjectKind.ENTERPRISE, USCC).masked == USCC
