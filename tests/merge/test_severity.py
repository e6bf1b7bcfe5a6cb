"""merge.severity: each record's class from merge/severity.toml — categories, amounts, list type."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from merge.records import CoerciveMeasure, DishonestyListEntry, PenaltyCategory, RecordKind
from merge.severity import Severity, SeverityRuleError, parse_rule, rule, severity_of
from tests.merge.test_edition_rules import list_entry, penalty


@pytest.mark.parametrize(
    ("categories", "fine", "expected"),
    [
        ((PenaltyCategory.WARNING,), None, Severity.GENERAL),
        ((PenaltyCategory.FINE,), Decimal("9.99"), Severity.GENERAL),
        ((PenaltyCategory.FINE,), Decimal("10"), Severity.HEAVY),
        ((PenaltyCategory.FINE,), Decimal("100"), Severity.SERIOUS),
        ((PenaltyCategory.FINE, PenaltyCategory.SUSPEND_LICENSE), Decimal("1"), Severity.HEAVY),
        ((PenaltyCategory.WARNING, PenaltyCategory.REVOKE_LICENSE), None, Severity.SERIOUS),
        ((PenaltyCategory.ORDER_SUSPENSION,), Decimal("500"), Severity.SERIOUS),  # the highest rule wins
    ],
)
def test_a_penalty_takes_the_highest_class_of_its_categories_and_amount(
    categories: tuple[PenaltyCategory, ...], fine: Decimal | None, expected: Severity
) -> None:
    assert severity_of(penalty(categories=categories, fine_amount=fine)) is expected


def test_confiscated_amounts_count_with_the_fine() -> None:
    record = penalty(fine_amount=Decimal("6"), confiscated_amount=Decimal("5"))
    assert severity_of(record) is Severity.HEAVY


def test_a_serious_dishonesty_list_entry_is_serious_and_a_coercive_measure_heavier() -> None:
    assert severity_of(list_entry(None)) is Severity.SERIOUS
    measure = CoerciveMeasure(
        region_code="120000", record_id="c-1", domain="taxation", subject_name="天津某公司",
        document_no="津税强〔2025〕1号", measure_type="查封", authority_name="国家税务总局天津市税务局",
        decided_on=date(2025, 1, 1),
    )  # fmt: skip
    assert severity_of(measure) is Severity.HEAVY
    assert isinstance(list_entry(None), DishonestyListEntry)


def test_the_rule_file_is_versioned_data_and_a_bad_entry_is_named() -> None:
    assert rule().version == "1"
    with pytest.raises(SeverityRuleError, match=r"field penalty\.严重: unknown '罚金'"):
        parse_rule('[penalty]\n"严重" = ["罚金"]\n')
    with pytest.raises(SeverityRuleError, match=r"field kinds\.coercive_measure: must be 一般, 较重 or 严重"):
        parse_rule('[kinds]\ncoercive_measure = "重"\n')


def test_a_licence_has_no_class_and_the_rule_may_not_give_one() -> None:
    assert RecordKind.LICENCE not in rule().by_kind
    with pytest.raises(SeverityRuleError, match=r"field kinds\.licence: this kind has no class of its own"):
        parse_rule('[kinds]\nlicence = "一般"\n')
    with pytest.raises(SeverityRuleError, match=r"field kinds\.penalty: this kind has no class of its own"):
        parse_rule('[kinds]\npenalty = "严重"\n')
    with pytest.raises(SeverityRuleError, match=r"field kinds\.parking_ticket: unknown record kind"):
        parse_rule('[kinds]\nparking_ticket = "一般"\n')
