"""Fuzzing identifier parsing (issue 11): any text either is a checksummed USCC or resident ID, or is refused with
InvalidIdentifier — never another exception, and a resident ID's masked form never holds the whole number."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from merge.identifiers import InvalidIdentifier, SubjectKind, mask_resident_id, parse_subject, validate_resident_id

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXYxy -\t\u3000０１２"


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=30), st.text(alphabet=ALPHABET, min_size=15, max_size=21)))
def test_parse_subject_accepts_only_valid_identifiers(text: str) -> None:
    try:
        subject = parse_subject(text)
    except InvalidIdentifier:
        return
    again = parse_subject(subject.identifier)
    assert again == subject
    if subject.kind is SubjectKind.PERSON:
        validate_resident_id(subject.identifier)
        assert subject.identifier not in subject.masked
        assert subject.masked == mask_resident_id(subject.identifier)
