"""The severity class (严重程度) a report states for each record: 一般, 较重 or 严重.

The rule is data, ``merge/severity.toml`` beside this module (its comments document every entry): a penalty's
class is the highest given by its categories and by its fine plus confiscated amount (万元); a list entry or a
coercive measure has its kind's class; a licence (行政许可) has none, it is not a violation. Pure: the file is
package data read once; :func:`penalty_severity` is the same rule on plain values for the fast merge
(merge/fast/record_merge.py).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from merge.records import VIOLATION_KINDS, CoerciveMeasure, DishonestyListEntry, Penalty, PenaltyCategory, RecordKind

RULE_FILE = Path(__file__).with_name("severity.toml")


class Severity(StrEnum):
    GENERAL = "一般"
    HEAVY = "较重"
    SERIOUS = "严重"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)


#: The classes from the lightest up: a class's :attr:`Severity.rank` is its index here.
SEVERITY_ORDER = (Severity.GENERAL, Severity.HEAVY, Severity.SERIOUS)


class SeverityRuleError(ValueError):
    """The rule file is malformed; the message names the field."""


@dataclass(frozen=True, slots=True)
class SeverityRule:
    version: str
    by_category: dict[str, Severity]
    #: (threshold in 万元, class), highest threshold first.
    by_amount: tuple[tuple[Decimal, Severity], ...]
    by_kind: dict[RecordKind, Severity]


def _severity(value: Any, field: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise SeverityRuleError(f"{RULE_FILE.name}: field {field}: must be 一般, 较重 or 严重") from None


def parse_rule(text: str) -> SeverityRule:
    """The rule stated by ``text`` (the TOML of ``severity.toml``), or SeverityRuleError naming the field."""
    data = tomllib.loads(text)
    penalty = data.get("penalty", {})
    by_category: dict[str, Severity] = {}
    for name in (Severity.HEAVY, Severity.SERIOUS):
        for category in penalty.get(name.value, []):
            try:
                by_category[PenaltyCategory(category).value] = name
            except ValueError:
                raise SeverityRuleError(f"{RULE_FILE.name}: field penalty.{name.value}: unknown {category!r}") from None
    amounts = []
    for name, threshold in penalty.get("amounts", {}).items():
        try:
            amounts.append((Decimal(threshold), _severity(name, f"penalty.amounts.{name}")))
        except (InvalidOperation, TypeError):
            raise SeverityRuleError(f"{RULE_FILE.name}: field penalty.amounts.{name}: not an amount") from None
    by_kind: dict[RecordKind, Severity] = {}
    for kind, value in data.get("kinds", {}).items():
        try:
            known = RecordKind(kind)
        except ValueError:
            raise SeverityRuleError(f"{RULE_FILE.name}: field kinds.{kind}: unknown record kind") from None
        if known not in VIOLATION_KINDS or known is RecordKind.PENALTY:
            # A licence is not a violation; a penalty's class comes from its categories and amounts.
            raise SeverityRuleError(f"{RULE_FILE.name}: field kinds.{kind}: this kind has no class of its own")
        by_kind[known] = _severity(value, f"kinds.{kind}")
    return SeverityRule(
        version=str(data.get("version", "")),
        by_category=by_category,
        by_amount=tuple(sorted(amounts, reverse=True)),
        by_kind=by_kind,
    )


@cache
def rule() -> SeverityRule:
    return parse_rule(RULE_FILE.read_text(encoding="utf-8"))


def penalty_severity(categories: tuple[str, ...], fine: Decimal | None, confiscated: Decimal | None) -> Severity:
    """A penalty's class from its category values and amounts (万元): the higher of the two."""
    by_categories = category_severity(categories)
    by_amount = amount_severity((fine or Decimal(0)) + (confiscated or Decimal(0)))
    return by_amount if by_amount.rank > by_categories.rank else by_categories


def category_severity(categories: tuple[str, ...]) -> Severity:
    """The class a penalty's categories give: the highest of theirs, 一般 for a category the rule does not list."""
    current = rule()
    found = Severity.GENERAL
    for category in categories:
        candidate = current.by_category.get(category, Severity.GENERAL)
        if candidate.rank > found.rank:
            found = candidate
    return found


def amount_severity(total: Decimal) -> Severity:
    """The class a penalty's fine plus confiscated amount (万元) gives: the highest threshold at or below it."""
    for threshold, name in rule().by_amount:
        if total >= threshold:
            return name
    return Severity.GENERAL


def severity_of(record: Penalty | DishonestyListEntry | CoerciveMeasure) -> Severity:
    """The class a report states for ``record``."""
    if isinstance(record, Penalty):
        categories = tuple(category.value for category in record.categories)
        return penalty_severity(categories, record.fine_amount, record.confiscated_amount)
    return rule().by_kind.get(record.kind, Severity.GENERAL)
