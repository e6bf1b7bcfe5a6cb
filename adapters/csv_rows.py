"""Check one 双公示 CSV row and turn it into :class:`merge.records.Penalty` field values.

:meth:`RowChecker.check` collects every problem of the row as ``(column, reason)`` rather than stopping at the
first, so an operator fixes a file in one pass. Values are echoed in reasons only through :func:`shown`, which
masks anything shaped like a resident ID number; identifier columns are never echoed at all.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from adapters import csv_layout as col
from merge.domains import DOMAIN_BY_CODE, DOMAIN_BY_NAME
from merge.identifiers import InvalidIdentifier, mask_resident_id, validate_resident_id, validate_uscc
from merge.records import PenaltyCategory, RepairStatus, SubjectCategory
from merge.regions import Region

T = TypeVar("T")

_RESIDENT_ID_SHAPE = re.compile(r"\d{17}[\dXx]")
_ISO_OR_SLASH = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_MAX_PLACES = 6
_CATEGORY_VALUES = {c.value: c for c in PenaltyCategory}


def shown(value: str) -> str:
    """``value`` as it may appear in an error: resident-ID-shaped text masked, long text cut."""
    value = value.strip()
    if _RESIDENT_ID_SHAPE.search(value):
        return _RESIDENT_ID_SHAPE.sub(lambda m: mask_resident_id(m.group(0)), value)[:40]
    return value if len(value) <= 40 else value[:39] + "…"


def parse_date(value: str) -> date:
    """``2024-03-05``, ``2024/3/5`` or ``2024年3月5日``; :class:`ValueError` otherwise."""
    match = _ISO_OR_SLASH.fullmatch(value) or _CHINESE_DATE.fullmatch(value)
    if match is None:
        raise ValueError("not a date")
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)


class RowChecker:
    """Checks rows for one region; ``today`` is the latest acceptable decision date."""

    def __init__(self, region: Region, today: date, covered: frozenset[str]) -> None:
        self.region = region
        self.today = today
        self._covered = covered  # the domains the node declares (its --coverage file)

    def check(self, row: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The row's field values for :class:`~merge.records.Penalty`, and every problem found."""
        problems: list[tuple[str, str]] = []

        def get(column: str) -> str:
            return row.get(column, "").strip()

        def required(column: str) -> str:
            value = get(column)
            if not value:
                problems.append((column, "required"))
            return value

        def enum(column: str, mapping: dict[str, T], default: str) -> T | None:
            value = get(column) or default
            if value not in mapping:
                problems.append((column, f"{shown(value)!r} is not one of {'/'.join(mapping)}"))
                return None
            return mapping[value]

        def day(
            column: str, *, needed: bool = False, not_before: date | None = None, future_ok: bool = False
        ) -> date | None:
            value = required(column) if needed else get(column)
            if not value:
                return None
            try:
                parsed = parse_date(value)
            except ValueError:
                problems.append((column, f"{shown(value)!r} is not a date (use 2024-03-05, 2024/3/5 or 2024年3月5日)"))
                return None
            if parsed > self.today and not future_ok:
                problems.append((column, f"{parsed} is in the future"))
            if not_before is not None and parsed < not_before:
                problems.append((column, f"{parsed} is before the decision date {not_before}"))
            return parsed

        def amount(column: str) -> Decimal | None:
            value = get(column)
            if not value:
                return None
            try:
                parsed = Decimal(value)
            except InvalidOperation:
                problems.append((column, f"{shown(value)!r} is not a decimal amount in 万元"))
                return None
            exponent = parsed.as_tuple().exponent
            if not parsed.is_finite() or parsed < 0:
                problems.append((column, f"{shown(value)!r} must be a non-negative amount"))
            elif isinstance(exponent, int) and -exponent > _MAX_PLACES:
                problems.append((column, f"{shown(value)!r} has more than {_MAX_PLACES} decimal places"))
            return parsed

        def identifier(column: str, validate: Any, *, person: bool = False) -> str:
            value = required(column)
            if not value:
                return ""
            try:
                return str(validate(value))
            except InvalidIdentifier as exc:
                shape = f" ({mask_resident_id(value)})" if person else ""
                problems.append((column, f"{exc}{shape}"))
                return ""

        category = enum(col.SUBJECT_CATEGORY, {c.value: c for c in SubjectCategory}, "")
        uscc = id_type = id_number = ""
        if category is SubjectCategory.NATURAL_PERSON:
            if get(col.USCC):
                problems.append((col.USCC, "must be empty for 自然人 rows (the subject is identified by 证件号码)"))
            id_type = required(col.ID_TYPE)
            if id_type and id_type != col.RESIDENT_ID_TYPE:
                problems.append((col.ID_TYPE, f"must be {col.RESIDENT_ID_TYPE} for 自然人 rows"))
            id_number = identifier(col.ID_NUMBER, validate_resident_id, person=True)
        elif category is not None:
            uscc = identifier(col.USCC, validate_uscc)
            if get(col.ID_NUMBER):
                problems.append(
                    (col.ID_NUMBER, f"must be empty for {category.value} rows (identified by 统一社会信用代码)")
                )

        not_penalised = enum(col.NOT_PENALISED, col.YES_NO, "否")
        categories: list[PenaltyCategory] = []
        raw_categories = get(col.CATEGORIES) if not_penalised else required(col.CATEGORIES)
        for separator in col.CATEGORY_SEPARATORS[1:]:
            raw_categories = raw_categories.replace(separator, col.CATEGORY_SEPARATORS[0])
        for name in filter(None, (part.strip() for part in raw_categories.split(col.CATEGORY_SEPARATORS[0]))):
            if name not in _CATEGORY_VALUES:
                problems.append((col.CATEGORIES, f"{shown(name)!r} is not a penalty category of art. 9"))
            elif _CATEGORY_VALUES[name] not in categories:
                categories.append(_CATEGORY_VALUES[name])

        fine = amount(col.FINE_AMOUNT)
        if PenaltyCategory.FINE in categories and not get(col.FINE_AMOUNT):
            problems.append((col.FINE_AMOUNT, "required when 处罚类别 includes 罚款"))
        confiscated = amount(col.CONFISCATED_AMOUNT)
        confiscating = {PenaltyCategory.CONFISCATE_ILLEGAL_GAINS, PenaltyCategory.CONFISCATE_ILLEGAL_PROPERTY}
        if confiscating & set(categories) and not get(col.CONFISCATED_AMOUNT):
            problems.append((col.CONFISCATED_AMOUNT, "required when 处罚类别 includes a confiscation"))
        licensing = {PenaltyCategory.SUSPEND_LICENSE, PenaltyCategory.REVOKE_LICENSE}
        if licensing & set(categories) and not get(col.LICENSE_REF):
            problems.append((col.LICENSE_REF, "required when 处罚类别 suspends or revokes a licence"))

        decided = day(col.DECISION_DATE, needed=True)
        domain_value = required(col.DOMAIN)
        found = DOMAIN_BY_CODE.get(domain_value) or DOMAIN_BY_NAME.get(domain_value)
        if domain_value and found is None:
            problems.append((col.DOMAIN, f"{shown(domain_value)!r} is not a domain of the catalogue"))
        elif found is not None and found.code not in self._covered:
            problems.append((col.DOMAIN, f"{found.name} is not covered by {self.region.display_name}"))

        repair = enum(col.REPAIR_STATUS, col.REPAIR_STATUSES, "未修复")
        repaired_on = day(col.REPAIRED_ON, not_before=decided)
        if repair is RepairStatus.REPAIRED and not get(col.REPAIRED_ON):
            problems.append((col.REPAIRED_ON, "required when 信用修复状态 is 已修复"))
        if repair is not RepairStatus.REPAIRED and get(col.REPAIRED_ON):
            problems.append((col.REPAIRED_ON, "given but 信用修复状态 is not 已修复"))
        authority_uscc = identifier(col.AUTHORITY_USCC, validate_uscc)
        if get(col.DATA_SOURCE_USCC):
            identifier(col.DATA_SOURCE_USCC, validate_uscc)

        values: dict[str, Any] = {
            "domain": found.code if found else "",
            "subject_name": required(col.SUBJECT_NAME),
            "subject_category": category,
            "uscc": uscc,
            "id_type": id_type,
            "id_number": id_number,
            "legal_representative": get(col.LEGAL_REPRESENTATIVE),
            "decision_no": required(col.DECISION_NO),
            "violation_type": required(col.VIOLATION_TYPE),
            "violation_facts": required(col.VIOLATION_FACTS),
            "legal_basis": required(col.LEGAL_BASIS),
            "categories": tuple(categories),
            "content": required(col.CONTENT),
            "fine_amount": fine,
            "confiscated_amount": confiscated,
            "license_ref": get(col.LICENSE_REF),
            "decision_date": decided,
            "valid_until": day(col.VALID_UNTIL, not_before=decided, future_ok=True),
            "publicity_until": day(col.PUBLICITY_UNTIL, not_before=decided, future_ok=True),
            "authority_name": required(col.AUTHORITY),
            "authority_uscc": authority_uscc,
            "data_source": required(col.DATA_SOURCE),
            "remarks": get(col.REMARKS),
            "procedure": enum(col.PROCEDURE, col.PROCEDURES, "普通程序"),
            "not_penalised": not_penalised,
            "repair_status": repair,
            "repaired_on": repaired_on,
            "objection_open": enum(col.OBJECTION, col.YES_NO, "否"),
        }
        return values, problems
