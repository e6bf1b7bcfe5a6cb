"""row_filter on a record's JSON form says what coverage + merge.edition_rules.shows say on its model.

Exhaustively, over every combination of what the rules read — procedure, 不予处罚, categories (none, minor only,
repeated minor, mixed, not minor), repair, publicity / removal / lifting dates before, on and after the
application date or none (licences' 有效期至 too) — for every kind, edition, and a domain covered or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from itertools import product

import pytest

from adapters.row_rules import row_filter
from merge.edition_rules import AnyRecord, shows
from merge.editions import Edition
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

AS_OF = date(2026, 6, 30)
DATES = (None, AS_OF - timedelta(days=1), AS_OF, AS_OF + timedelta(days=1))
W, C, F, R = (
    PenaltyCategory.WARNING,
    PenaltyCategory.CIRCULATED_CRITICISM,
    PenaltyCategory.FINE,
    PenaltyCategory.REVOKE_LICENSE,
)
CATEGORIES = ((), (W,), (W, C, W), (W, F), (F, R))
COMMON = {"region_code": "120000", "record_id": "r-1", "domain": "market_regulation", "subject_name": "天津某公司"}


def records() -> Iterator[AnyRecord]:
    for procedure, not_penalised, categories, repair, publicity in product(
        Procedure, (False, True), CATEGORIES, RepairStatus, DATES
    ):
        yield Penalty(
            **COMMON, subject_category=SubjectCategory.LEGAL_PERSON, decision_no="津市监罚〔2025〕1号",
            violation_type="v", violation_facts="f", legal_basis="b", categories=categories, content="c",
            decision_date=date(2025, 1, 1), publicity_until=publicity, authority_name="天津市市场监督管理委员会",
            authority_uscc="11110105MB0123456F", procedure=procedure, not_penalised=not_penalised,
            repair_status=repair,
        )  # fmt: skip
    for removed in DATES:
        yield DishonestyListEntry(
            **COMMON, list_name="重大税收违法失信主体", authority_name="国家税务总局天津市税务局",
            listed_on=date(2024, 1, 1), removed_on=removed,
        )  # fmt: skip
    for lifted in DATES:
        yield CoerciveMeasure(
            **COMMON, document_no="津市监强〔2025〕1号", measure_type="查封", authority_name="天津市市场监督管理委员会",
            decided_on=date(2025, 2, 1), lifted_on=lifted,
        )  # fmt: skip
    for valid_until in DATES:
        yield Licence(
            **COMMON, uscc="91120116MA05JUKK35", document_name="食品经营许可决定书",
            document_no="津市监食许〔2025〕1号", category=LicenceCategory.ORDINARY, content="预包装食品销售",
            decided_on=date(2025, 2, 1), valid_until=valid_until, authority_name="天津市滨海新区市场监督管理局",
        )  # fmt: skip


@pytest.mark.parametrize("edition", list(Edition))
@pytest.mark.parametrize("covered", [("market_regulation", "taxation"), ("taxation",)], ids=["covered", "not"])
def test_rows_are_sent_exactly_when_the_model_would_be(edition: Edition, covered: tuple[str, ...]) -> None:
    sent = row_filter(edition, AS_OF, covered)
    disagreements = [
        record
        for record in records()
        if sent(record.model_dump(mode="json")) is not (record.domain in covered and shows(record, edition, AS_OF))
    ]
    assert disagreements == []


def test_the_grid_reaches_both_verdicts() -> None:
    # Otherwise agreement would prove little: each edition both sends and withholds records of the grid.
    for edition in Edition:
        verdicts = {shows(record, edition, AS_OF) for record in records()}
        assert verdicts == {True, False}
