"""The column-wise penalty severities (merge.fast.severities) equal the readable rule (merge.severity) for every
combination of categories and amounts around the rule's thresholds, with and without a second amount."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

import pytest

from merge.fast.severities import penalty_severities
from merge.records import PenaltyCategory
from merge.severity import Severity, penalty_severity, rule

CATEGORY_SETS = [
    (),
    (PenaltyCategory.WARNING.value,),
    (PenaltyCategory.WARNING.value, PenaltyCategory.REVOKE_LICENSE.value),
    (PenaltyCategory.SUSPEND_LICENSE.value,),
    (PenaltyCategory.SUSPEND_LICENSE.value, PenaltyCategory.FINE.value),
    (PenaltyCategory.ORDER_CLOSURE.value,),
]


def _amounts() -> list[Decimal | None]:
    around = [Decimal(0), Decimal("0.0001"), Decimal("1E+3"), Decimal("99999.9999")]
    for threshold, _ in rule().by_amount:
        around += [threshold - Decimal("0.0001"), threshold, threshold + Decimal("0.0001"), threshold / 2]
    return [None, *around]


def test_equal_to_the_rule_around_every_threshold() -> None:
    amounts = _amounts()
    cases = list(product(CATEGORY_SETS, amounts, amounts))
    categories, fines, confiscated = (list(column) for column in zip(*cases, strict=True))
    assert penalty_severities(categories, fines, confiscated) == [penalty_severity(*case) for case in cases]


def test_every_class_is_reached() -> None:
    # The grid above would pass vacuously if every case fell into one class.
    amounts = _amounts()
    cases = list(product(CATEGORY_SETS, amounts, [None]))
    found = set(penalty_severities(*(list(column) for column in zip(*cases, strict=True))))
    assert found == set(Severity)


def test_empty_columns() -> None:
    assert penalty_severities([], [], []) == []


def test_columns_of_different_lengths_are_refused() -> None:
    # map() would stop at the shortest column and leave penalties without a class.
    with pytest.raises(ValueError, match="differ in length"):
        penalty_severities([(), ()], [None, None], [None])
