"""What each edition shows: data-driven rules, applied at the source by each regional node.

Invariant 4 (minimise at the source): a node sends only what the requested edition may show, so the rules
are pure data plus one function that both the nodes and the tests use. The README's edition table is a
rendering of :data:`RULES`.

Sources: Shandong's three editions (普通版 drops warnings, circulated criticism, repaired and expired records and
removed list entries), the Tianjin plan (listing edition, natural-person reports), and the Administrative
Penalty Law art. 9 for the categories.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from merge.edition_files import EditionSpec, catalogue
from merge.editions import Edition
from merge.records import (
    MINOR_CATEGORIES,
    CoerciveMeasure,
    DishonestyListEntry,
    Licence,
    Penalty,
    Procedure,
    RepairStatus,
)

AnyRecord = Penalty | DishonestyListEntry | CoerciveMeasure | Licence


#: An edition's rules are its parsed file (the fields are documented in ``merge/editions/README.md``).
EditionRule = EditionSpec


class _Rules(Mapping[str, EditionRule]):
    """Every edition's rules by name: a view of this process's catalogue (defaults plus ``JJJ_EDITIONS_DIR``)."""

    def __getitem__(self, edition: str) -> EditionRule:
        return catalogue()[edition]

    def __iter__(self) -> Iterator[str]:
        return iter(catalogue())

    def __len__(self) -> int:
        return len(catalogue())


RULES: Mapping[str, EditionRule] = _Rules()


def is_minor(record: AnyRecord) -> bool:
    """A penalty consisting only of 警告 / 通报批评 (marked as minor in the administrative edition)."""
    return isinstance(record, Penalty) and bool(record.categories) and set(record.categories) <= MINOR_CATEGORIES


def is_repaired(record: AnyRecord) -> bool:
    return isinstance(record, Penalty) and record.repair_status is RepairStatus.REPAIRED


def shows(record: AnyRecord, edition: Edition, as_of: date) -> bool:
    """Whether ``edition`` shows ``record`` on ``as_of`` (the report's application date).

    Every edition leaves out simple-procedure penalties and decisions not to penalise: they are not public
    credit information under the 双公示 rules.

    Licences (行政许可) are not violations and every edition shows them: a report lists them apart, and no
    edition's omissions (minor, repaired, past publicity, removed) speak of them. Which licences a window holds
    is the node's query (:mod:`adapters.record_query`): one decided within the window, or decided before it and
    still valid at its start (有效期至 on or after it, or none given) — a licence in force at some time in the
    window, as a coercive measure not yet lifted. One that has expired since (有效期至 before ``as_of``) is
    still shown, since it was in force during the window the report speaks of; the report marks it expired
    (:func:`licence_expired`) so that nobody reads it as current. A licence decided after the window is not in it.
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
    return True  # a coercive measure, or a licence (see above)


def licence_expired(licence: Licence, as_of: date) -> bool:
    """Whether ``licence`` is no longer valid on ``as_of`` (its 有效期至 is before it): shown, marked expired."""
    return licence.valid_until is not None and licence.valid_until < as_of
