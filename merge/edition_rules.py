"""What each edition shows: data-driven rules, applied at the source by each regional node.

Invariant 4 (minimise at the source): a node sends only what the requested edition may show, so the rules
are pure data plus one function that both the nodes and the tests use. The README's edition table is a
rendering of :data:`RULES`.

Sources: Shandong's three editions (普通版 drops warnings, circulated criticism, repaired and expired records and
removed list entries), the Tianjin plan (listing edition, natural-person reports), and the Administrative
Penalty Law art. 9 for the categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from merge.editions import Edition
from merge.identifiers import SubjectKind
from merge.records import (
    MINOR_CATEGORIES,
    CoerciveMeasure,
    DishonestyListEntry,
    Penalty,
    Procedure,
    RepairStatus,
)

AnyRecord = Penalty | DishonestyListEntry | CoerciveMeasure


@dataclass(frozen=True, slots=True)
class EditionRule:
    edition: Edition
    #: Leave out penalties whose every category is 警告 or 通报批评.
    omit_minor: bool
    #: Leave out records whose credit repair is complete.
    omit_repaired: bool
    #: Leave out penalties whose 公示截止期 has passed.
    omit_past_publicity: bool
    #: Leave out serious-dishonesty list entries the subject has been removed from.
    omit_removed_list_entries: bool
    #: A fixed window in months, overriding the requested 3 or 5 years.
    fixed_window_months: int | None
    #: Which subject kinds may ask for this edition.
    subject_kinds: frozenset[SubjectKind]
    #: State, for every domain of every region, whether records remain (the matrix is always present; this
    #: says the PDF must print a sentence per cell rather than only the non-empty ones).
    explicit_statement_per_domain: bool


_BOTH = frozenset({SubjectKind.ENTERPRISE, SubjectKind.PERSON})

RULES: dict[Edition, EditionRule] = {
    Edition.STANDARD: EditionRule(Edition.STANDARD, True, True, True, True, None, _BOTH, False),
    Edition.ADMINISTRATIVE: EditionRule(Edition.ADMINISTRATIVE, False, False, False, False, None, _BOTH, False),
    Edition.LISTING: EditionRule(
        Edition.LISTING, False, False, False, False, 36, frozenset({SubjectKind.ENTERPRISE}), True
    ),
    Edition.PERSON: EditionRule(Edition.PERSON, True, True, True, True, None, frozenset({SubjectKind.PERSON}), False),
}


def is_minor(record: AnyRecord) -> bool:
    """A penalty consisting only of 警告 / 通报批评 (marked as minor in the administrative edition)."""
    return isinstance(record, Penalty) and bool(record.categories) and set(record.categories) <= MINOR_CATEGORIES


def is_repaired(record: AnyRecord) -> bool:
    return isinstance(record, Penalty) and record.repair_status is RepairStatus.REPAIRED


def shows(record: AnyRecord, edition: Edition, as_of: date) -> bool:
    """Whether ``edition`` shows ``record`` on ``as_of`` (the report's application date).

    Every edition leaves out simple-procedure penalties and decisions not to penalise: they are not public
    credit information under the 双公示 rules.
    """
    rule = RULES[edition]
    if isinstance(record, Penalty):
        if record.procedure is Procedure.SIMPLE or record.not_penalised:
            return False
        if rule.omit_minor and is_minor(record):
            return False
        if rule.omit_repaired and is_repaired(record):
            return False
        past_publicity = record.publicity_until is not None and record.publicity_until < as_of
        return not (rule.omit_past_publicity and past_publicity)
    if isinstance(record, DishonestyListEntry):
        removed = record.removed_on is not None and record.removed_on <= as_of
        return not (rule.omit_removed_list_entries and removed)
    return True
