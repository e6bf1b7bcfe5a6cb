"""Which fields of a penalty an objection may correct, and how a proposed value is read for its column.

Objections are taken on penalties (行政处罚), the records the 双公示 standard gives an objection flag and a repair
status. ``withdraw`` asks for the whole record to be withdrawn (撤销); accepting it removes the record, and the
ticket's history keeps the row as it was.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

WITHDRAW = "withdraw"
TEXT_FIELDS = frozenset({
    "subject_name", "legal_representative", "violation_type", "violation_facts", "legal_basis", "content",
    "license_ref", "authority_name", "data_source", "remarks",
})  # fmt: skip
DATE_FIELDS = frozenset({"valid_until", "publicity_until"})
AMOUNT_FIELDS = frozenset({"fine_amount", "confiscated_amount"})
CORRECTABLE = TEXT_FIELDS | DATE_FIELDS | AMOUNT_FIELDS
MAX_VALUE_CHARS = 2000


class FieldRefused(ValueError):
    """The field or value cannot be used; the message names the request field."""


def check_field(field: str) -> None:
    if field != WITHDRAW and field not in CORRECTABLE:
        raise FieldRefused(f"field: {field[:40]!r} cannot be corrected (one of {', '.join(sorted(CORRECTABLE))}, "
                           f"or {WITHDRAW})")  # fmt: skip


def column_value(field: str, text: str) -> Any:
    """The proposed value as the column stores it; empty clears a date or amount."""
    if len(text) > MAX_VALUE_CHARS:
        raise FieldRefused(f"proposed_value: longer than {MAX_VALUE_CHARS} characters")
    if field in DATE_FIELDS:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise FieldRefused("proposed_value: not an ISO date (YYYY-MM-DD)") from None
    if field in AMOUNT_FIELDS:
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise FieldRefused("proposed_value: not a decimal amount in 万元") from None
        if not amount.is_finite() or amount < 0:
            raise FieldRefused("proposed_value: not a finite, non-negative amount")
        return amount
    return text


def shown(value: Any) -> str:
    """A stored value as the history shows it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
