"""What a node sends, decided on plain rows: coverage and :func:`merge.edition_rules.shows`, without record models.

:func:`row_filter` gives the predicate for one query; on the JSON form of a record
(:data:`adapters.record_rows.RecordRow`) it says exactly what ``record.domain in covered and shows(record,
edition, as_of)`` says on the model (tests/adapters/test_row_rules.py holds the two together with generated
records). :mod:`merge.edition_rules` stays the statement of the rules; this is how a node applies them fast:
the rule's flags are read once per query, dates compare as ISO strings (same order as the dates), categories as
their values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

from adapters.record_rows import RecordRow
from merge.edition_rules import RULES
from merge.editions import Edition
from merge.records import MINOR_CATEGORIES, Procedure, RecordKind, RepairStatus

_MINOR = frozenset(category.value for category in MINOR_CATEGORIES)
_PENALTY, _LIST_ENTRY = RecordKind.PENALTY.value, RecordKind.DISHONESTY_LIST_ENTRY.value
_SIMPLE, _REPAIRED = Procedure.SIMPLE.value, RepairStatus.REPAIRED.value


def row_filter(edition: Edition, as_of: date, covered: Collection[str]) -> Callable[[RecordRow], bool]:
    """Whether a row is sent for a query of ``edition`` on ``as_of`` by a node covering ``covered`` domains."""
    rule = RULES[edition]
    today = as_of.isoformat()
    domains = frozenset(covered)

    def sent(row: RecordRow) -> bool:
        if row["domain"] not in domains:
            return False
        kind = row["kind"]
        if kind == _PENALTY:
            if row["procedure"] == _SIMPLE or row["not_penalised"]:
                return False
            categories = row["categories"]
            if rule.omit_minor and categories and _MINOR.issuperset(categories):
                return False
            if rule.omit_repaired and row["repair_status"] == _REPAIRED:
                return False
            publicity_until = row["publicity_until"]
            return not (rule.omit_past_publicity and publicity_until is not None and publicity_until < today)
        if kind == _LIST_ENTRY:
            removed_on = row["removed_on"]
            return not (rule.omit_removed_list_entries and removed_on is not None and removed_on <= today)
        return True  # a coercive measure or a licence: every edition sends them

    return sent
