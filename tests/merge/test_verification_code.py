"""Verification codes: randomness, reading-friendly normalisation, and a check character that catches typos."""

from __future__ import annotations

import re

import pytest

from merge.verification_code import (
    ALPHABET,
    ENTROPY_BITS,
    check_character,
    format_code,
    is_well_formed,
    lookup_id,
    new_code,
    normalise,
)

CODE_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]")


def compact(code: str) -> str:
    return code.replace("-", "")


def test_new_code_shape_and_entropy() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert ENTROPY_BITS >= 80
    for code in codes:
        assert CODE_SHAPE.fullmatch(code), code
        assert is_well_formed(code)
    # Every symbol of the alphabet turns up in every data position over 2,000 codes (a 32-way uniform choice).
    for position in range(16):
        assert {compact(code)[position] for code in codes} == set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)


def test_normalise_accepts_how_people_type() -> None:
    code = new_code()
    sloppy = " " + code.lower().replace("-", " ") + " "
    assert normalise(sloppy) == code
    assert normalise(compact(code)) == code
    assert normalise(code.replace("-", "－")) == code  # full-width dash from a Chinese input method
    # O reads as 0, I and L as 1 (Crockford).
    data = "0011" + "ABCD" * 3
    code = format_code(data + check_character(data))
    assert normalise("OoIL-" + code[5:]) == code
    assert is_well_formed("oOil" + compact(code)[4:])


def test_every_single_substitution_is_caught() -> None:
    for _ in range(200):
        code = compact(new_code())
        for position in range(len(code)):
            for symbol in ALPHABET:
                if symbol != code[position]:
                    typo = code[:position] + symbol + code[position + 1 :]
                    assert not is_well_formed(typo), (code, position, symbol)


def test_every_adjacent_transposition_is_caught() -> None:
    for _ in range(2000):
        code = compact(new_code())
        for position in range(len(code) - 1):  # the check character included
            if code[position] != code[position + 1]:
                swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
                assert not is_well_formed(swapped), (code, position)


@pytest.mark.parametrize(
    "text",
    ["", "ABCD", "U" * 17, "*" * 17, "0000-0000-0000-0000", "0000-0000-0000-0000-00", "0000-0000-0000-000!-0"],
)
def test_malformed_codes(text: str) -> None:
    assert not is_well_formed(text)
    with pytest.raises(ValueError, match="well-formed"):
        lookup_id(text)


def test_lookup_id_is_a_hash_not_the_code() -> None:
    code = new_code()
    lid = lookup_id(code)
    assert re.fullmatch(r"[0-9a-f]{64}", lid)
    assert compact(code) not in lid.upper()
    assert lookup_id(code.lower().replace("-", "")) == lid  # every spelling finds the same report
    assert lookup_id(new_code()) != lid
