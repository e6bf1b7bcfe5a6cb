"""Subject identifiers: 统一社会信用代码 (USCC) and 居民身份证号码 (resident ID).

Checksums are checked by python-stdnum (``stdnum.cn.uscc``, ``stdnum.cn.ric``), never by hand-written code.
A full resident ID is shown only to its owner; everywhere else :func:`mask_resident_id` applies, one rule for
HTML, PDF, JSON and logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError


class SubjectKind(StrEnum):
    ENTERPRISE = "enterprise"  # 经营主体
    PERSON = "person"  # 自然人


class InvalidIdentifier(ValueError):
    """An identifier failed its format or checksum check; ``reason`` says which, in plain words."""

    def __init__(self, value_kind: str, reason: str) -> None:
        super().__init__(f"invalid {value_kind}: {reason}")
        self.value_kind = value_kind
        self.reason = reason


def _reason(exc: ValidationError) -> str:
    # stdnum's messages are terse ("The number's checksum or check digit is invalid."); keep them, they are clear.
    return str(exc.message if hasattr(exc, "message") else exc)


def validate_uscc(value: str) -> str:
    """The compact, upper-case USCC, or :class:`InvalidIdentifier`."""
    try:
        return str(uscc.validate(value))
    except ValidationError as exc:
        raise InvalidIdentifier("unified social credit code", _reason(exc)) from None


def validate_resident_id(value: str) -> str:
    """The compact, upper-case resident ID number, or :class:`InvalidIdentifier`."""
    try:
        return str(ric.validate(value))
    except ValidationError as exc:
        raise InvalidIdentifier("resident ID number", _reason(exc)) from None


def mask_resident_id(value: str) -> str:
    """The one masking rule: keep the first 6 (division) and last 4 characters, star the 8 between.

    ``110105194912310021`` → ``110105********0021``. The birth date is hidden, which is what makes a
    resident ID personally identifying beyond the division code.
    """
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[-4:]


@dataclass(frozen=True, slots=True)
class Subject:
    """A validated subject identifier. ``repr`` never shows a full resident ID."""

    kind: SubjectKind
    identifier: str

    @property
    def masked(self) -> str:
        return mask_resident_id(self.identifier) if self.kind is SubjectKind.PERSON else self.identifier

    def __repr__(self) -> str:
        return f"Subject(kind={self.kind.value!r}, identifier={self.masked!r})"

    __str__ = __repr__


def _has_birth_date(compact: str) -> bool:
    try:
        ric.get_birth_date(compact)
    except ValidationError:
        return False
    return True


def parse_subject(value: str) -> Subject:
    """Recognise a resident ID (17 digits + digit or X, with a real birth date) or else a USCC.

    Both are 18 characters long and a USCC may be all digits, so the shape alone does not decide. A string with
    the resident-ID shape and a valid birth date in positions 7–14 is taken as a resident ID and must pass its
    own checksum: a mistyped resident ID must never slip through as a USCC whose check character it happens to
    satisfy.
    """
    compact = value.strip().replace(" ", "").upper()
    if not compact:
        raise InvalidIdentifier("subject identifier", "empty")
    ric_shape = len(compact) == 18 and compact[:17].isdigit() and (compact[17].isdigit() or compact[17] == "X")
    if ric_shape and _has_birth_date(compact):
        return Subject(SubjectKind.PERSON, validate_resident_id(compact))
    return Subject(SubjectKind.ENTERPRISE, validate_uscc(compact))
