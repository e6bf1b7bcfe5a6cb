"""edition_rules.shows: every rule of every edition, on the application date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from merge.edition_rules import RULES, is_minor, is_repaired, licence_expired, shows
from merge.editions import Edition
from merge.identifiers import SubjectKind
from merge.records import (
    CoerciveMeasure,
    DishonestyListEntry,
    Licence,
    LicenceCategory,
    Penalty,
    PenaltyCategory,
    Procedure,
    RepairStatus,
    SubjectCategory,
)

AS_OF = date(2026, 10, 9)
ALL = list(Edition)
STRICT = [Edition.STANDARD, Edition.PERSON]  # the editions that leave things out
FULL = [Edition.ADMINISTRATIVE, Edition.LISTING, Edition.FINANCIAL]  # the editions that show everything public


def penalty(**changes: Any) -> Penalty:
    fields: dict[str, Any] = {
        "region_code": "120000",
        "record_id": "t-1",
        "domain": "market_regulation",
        "subject_name": "天津某公司",
        "subject_category": SubjectCategory.LEGAL_PERSON,
        "decision_no": "津市监罚〔2025〕1号",
        "violation_type": "v",
        "violation_facts": "f",
        "legal_basis": "b",
        "categories": (PenaltyCategory.FINE,),
        "content": "c",
        "fine_amount": Decimal("1"),
        "decision_date": date(2025, 1, 1),
        "publicity_until": date(2028, 1, 1),
        "authority_name": "天津市市场监督管理委员会",
        "authority_uscc": "11110105MB0123456F",
    }
    fields.update(changes)
    return Penalty(**fields)


def list_entry(removed_on: date | None) -> DishonestyListEntry:
    return DishonestyListEntry(
        region_code="120000",
        record_id="l-1",
        domain="taxation",
        subject_name="天津某公司",
        list_name="重大税收违法失信主体",
        authority_name="国家税务总局天津市税务局",
        listed_on=date(2024, 1, 1),
        removed_on=removed_on,
    )


@pytest.mark.parametrize("edition", ALL)
def test_an_ordinary_live_penalty_is_shown_by_every_edition(edition: Edition) -> None:
    assert shows(penalty(), edition, AS_OF)


@pytest.mark.parametrize("edition", ALL)
def test_simple_procedure_is_never_shown(edition: Edition) -> None:
    assert not shows(penalty(procedure=Procedure.SIMPLE), edition, AS_OF)


@pytest.mark.parametrize("edition", ALL)
def test_decision_not_to_penalise_is_never_shown(edition: Edition) -> None:
    assert not shows(penalty(not_penalised=True), edition, AS_OF)


@pytest.mark.parametrize(
    "categories",
    [(PenaltyCategory.WARNING,), (PenaltyCategory.CIRCULATED_CRITICISM,),
     (PenaltyCategory.WARNING, PenaltyCategory.CIRCULATED_CRITICISM)],
)  # fmt: skip
def test_minor_penalties_left_out_by_strict_editions_only(categories: tuple[PenaltyCategory, ...]) -> None:
    record = penalty(categories=categories)
    assert is_minor(record)
    assert [shows(record, e, AS_OF) for e in STRICT] == [False, False]
    assert [shows(record, e, AS_OF) for e in FULL] == [True, True, True]


def test_a_warning_with_a_fine_is_not_minor() -> None:
    record = penalty(categories=(PenaltyCategory.WARNING, PenaltyCategory.FINE))
    assert not is_minor(record)
    assert all(shows(record, e, AS_OF) for e in ALL)
    assert not is_minor(penalty(categories=()))
    assert not is_minor(list_entry(None))


def test_repaired_penalties_left_out_by_strict_editions_only() -> None:
    record = penalty(repair_status=RepairStatus.REPAIRED, repaired_on=date(2026, 1, 1))
    assert is_repaired(record)
    assert [shows(record, e, AS_OF) for e in STRICT] == [False, False]
    assert [shows(record, e, AS_OF) for e in FULL] == [True, True, True]
    in_progress = penalty(repair_status=RepairStatus.IN_PROGRESS)
    assert not is_repaired(in_progress)
    assert all(shows(in_progress, e, AS_OF) for e in ALL)


def test_past_publicity_left_out_by_strict_editions_only() -> None:
    past = penalty(publicity_until=date(2026, 10, 8))
    assert [shows(past, e, AS_OF) for e in STRICT] == [False, False]
    assert [shows(past, e, AS_OF) for e in FULL] == [True, True, True]
    # The last day of publicity is still within it; no end date means no end.
    assert all(shows(penalty(publicity_until=AS_OF), e, AS_OF) for e in ALL)
    assert all(shows(penalty(publicity_until=None), e, AS_OF) for e in ALL)


def test_removed_list_entries_left_out_by_strict_editions_only() -> None:
    removed = list_entry(removed_on=AS_OF)
    assert [shows(removed, e, AS_OF) for e in STRICT] == [False, False]
    assert [shows(removed, e, AS_OF) for e in FULL] == [True, True, True]
    # Still listed, or removal only scheduled after the application date: shown everywhere.
    assert all(shows(list_entry(None), e, AS_OF) for e in ALL)
    assert all(shows(list_entry(date(2026, 10, 10)), e, AS_OF) for e in ALL)


@pytest.mark.parametrize("edition", ALL)
def test_coercive_measures_are_always_shown(edition: Edition) -> None:
    measure = CoerciveMeasure(
        region_code="120000",
        record_id="c-1",
        domain="taxation",
        subject_name="天津某公司",
        document_no="强1",
        measure_type="查封",
        authority_name="某局",
        decided_on=date(2025, 1, 1),
        lifted_on=date(2025, 6, 1),
    )
    assert shows(measure, edition, AS_OF)


def licence(valid_until: date | None) -> Licence:
    return Licence(
        region_code="120000", record_id="x-1", domain="market_regulation", subject_name="天津某公司",
        uscc="91120116MA05JUKK35", document_name="食品经营许可决定书", document_no="津市监食许〔2021〕1号",
        category=LicenceCategory.ORDINARY, content="预包装食品销售", decided_on=date(2021, 1, 1),
        valid_until=valid_until, authority_name="天津市滨海新区市场监督管理局",
    )  # fmt: skip


@pytest.mark.parametrize("edition", ALL)
@pytest.mark.parametrize("valid_until", [None, AS_OF, date(2026, 10, 8), date(2030, 1, 1)])
def test_licences_are_shown_by_every_edition_expired_or_not(edition: Edition, valid_until: date | None) -> None:
    # Not violations: no omission of any edition applies to them (the window is the node's query).
    assert shows(licence(valid_until), edition, AS_OF)


def test_a_licence_is_expired_after_its_last_valid_day() -> None:
    assert licence_expired(licence(date(2026, 10, 8)), AS_OF)
    assert not licence_expired(licence(AS_OF), AS_OF)  # 有效期至 is the last day it is valid
    assert not licence_expired(licence(None), AS_OF)  # no end given: not expired


def test_rule_table() -> None:
    assert RULES[Edition.LISTING].fixed_window_months == 36
    assert RULES[Edition.LISTING].subject_kinds == {SubjectKind.ENTERPRISE}
    assert RULES[Edition.LISTING].explicit_statement_per_domain
    assert RULES[Edition.PERSON].subject_kinds == {SubjectKind.PERSON}
    assert all(RULES[e].edition is e for e in ALL)
    assert all(RULES[e].fixed_window_months is None for e in ALL if e not in (Edition.LISTING, Edition.FINANCIAL))


def test_listing_is_the_administrative_edition_over_36_months_with_a_statement_per_domain() -> None:
    listing, administrative = RULES[Edition.LISTING], RULES[Edition.ADMINISTRATIVE]
    flags = ("omit_minor", "omit_repaired", "omit_past_publicity", "omit_removed_list_entries")
    assert [getattr(listing, f) for f in flags] == [getattr(administrative, f) for f in flags] == [False] * 4
    assert (listing.fixed_window_months, listing.explicit_statement_per_domain) == (36, True)


def test_the_financial_edition_is_for_listed_enterprises_only() -> None:
    financial = RULES[Edition.FINANCIAL]
    assert financial.subject_list == "financial"
    assert financial.subject_kinds == {SubjectKind.ENTERPRISE}
    assert all(RULES[e].subject_list is None for e in ALL if e is not Edition.FINANCIAL)
