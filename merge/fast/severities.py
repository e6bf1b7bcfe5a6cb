"""Penalty severities column by column: :func:`merge.severity.penalty_severity`'s rule over a kind's records.

The rule takes a penalty's categories and its fine plus confiscated amount. Categories repeat (a report holds a
few distinct combinations), amounts do not (almost every penalty has its own), so a cache per call (what the
merge had) missed on nearly every record and ran the readable rule, in Python, once per penalty: 20 of a
10,000-record merge's 28 ms. Here the categories' class is computed once per distinct combination, the amounts
are added and placed among the thresholds with C-level ``map`` and :func:`bisect.bisect_right` (Decimal
comparisons in libmpdec), and the higher of the two ranks is kept. tests/merge/fast/test_severities.py holds it
equal to the rule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import repeat
from operator import add

from merge.severity import SEVERITY_ORDER, Severity, category_severity, rule

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class _AmountSteps:
    #: The rule's thresholds in ascending order (its ``by_amount`` reversed).
    thresholds: tuple[Decimal, ...]
    #: The rank an amount gets when ``i`` thresholds are at or below it (at index ``i``; 0, 一般, for none).
    ranks: tuple[int, ...]


@cache
def _steps(by_amount: tuple[tuple[Decimal, Severity], ...]) -> _AmountSteps:
    # merge.severity.amount_severity takes the first threshold, highest first, at or below the total: with i of
    # them at or below it, that is the i-th in ascending order.
    ascending = tuple(reversed(by_amount))
    return _AmountSteps(tuple(threshold for threshold, _ in ascending), (0, *(name.rank for _, name in ascending)))


def penalty_severities(
    categories: Sequence[tuple[str, ...]],
    fines: Sequence[Decimal | None],
    confiscated: Sequence[Decimal | None],
) -> list[Severity]:
    """``merge.severity.penalty_severity(c, f, k)`` for each position of the three equally long columns."""
    if not len(categories) == len(fines) == len(confiscated):
        raise ValueError("penalty_severities: the three columns differ in length")
    steps = _steps(rule().by_amount)
    by_categories = {combination: category_severity(combination).rank for combination in set(categories)}
    category_ranks = map(by_categories.__getitem__, categories)
    totals = map(add, [fine or _ZERO for fine in fines], [amount or _ZERO for amount in confiscated])
    amount_ranks = map(steps.ranks.__getitem__, map(bisect_right, repeat(steps.thresholds), totals))
    return list(map(SEVERITY_ORDER.__getitem__, map(max, category_ranks, amount_ranks)))


__all__ = ["penalty_severities"]
