"""merge.fast.columns: keys, dates and marks read column by column equal the record models' properties and the
edition rules, for every record kind."""

from __future__ import annotations

from datetime import date
from typing import Any

from merge.edition_rules import AnyRecord, is_minor, is_repaired
from merge.fast.columns import PLANS, Columns, kind_by_kind
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, PenaltyCategory, RepairStatus
from tests.merge.test_records import PENALTY, RECORD


def _columns(cls: type[AnyRecord], records: list[Any]) -> dict[str, list[Any]]:
    return {name: [r.__dict__[name] for r in records] for name in PLANS[cls].key_fields}


def _records() -> tuple[list[Penalty], list[DishonestyListEntry], list[CoerciveMeasure]]:
    penalties = [
        RECORD.validate_python({**PENALTY, "decision_no": f"罚{n}", "authority_uscc": uscc})
        for n, uscc in enumerate(["11130100MB0000000X", "", "11130100MB0000000X"])
    ]
    entries = [
        DishonestyListEntry(
            region_code="130000", record_id=f"l{n}", domain="taxation", subject_name="s", list_name="名单",
            authority_name="a", listed_on=date(2024, 5, 6 + n), document_no=document,
        )
        for n, document in enumerate(["文1", "", "文3"])
    ]  # fmt: skip
    measures = [
        CoerciveMeasure(
            region_code="130000", record_id=f"m{n}", domain="taxation", subject_name="s", document_no=f"强{n}",
            measure_type="扣押", authority_name="a", decided_on=date(2024, 7, 8),
        )
        for n in range(2)
    ]  # fmt: skip
    return penalties, entries, measures


def test_column_wise_dedup_keys_and_dates_equal_the_properties_for_every_kind() -> None:
    # The merge reads keys and dates column by column (merge.fast.columns.Columns); the properties are the rule.
    penalties, entries, measures = _records()
    for cls, records in ((Penalty, penalties), (DishonestyListEntry, entries), (CoerciveMeasure, measures)):
        plan = PLANS[cls]
        assert plan.dedup_keys(_columns(cls, records)) == [r.dedup_key for r in records]
        assert [r.__dict__[plan.event_date_field] for r in records] == [r.event_date for r in records]
        assert set(cls.TEXT_FIELDS) <= set(cls.model_fields)
    # Both fallbacks were exercised: a penalty without its authority's USCC, an entry without a document number.
    assert penalties[1].dedup_key[1] == "石家庄市生态环境局"
    assert entries[1].dedup_key[3] == "2024-05-07"
    assert PLANS[Penalty].dedup_keys(_columns(Penalty, [])) == []


def test_columns_of_mixed_kinds_equal_the_properties_and_the_edition_rules() -> None:
    penalties, entries, measures = _records()
    penalties[0] = penalties[0].model_copy(update={"categories": (PenaltyCategory.WARNING,)})
    penalties[2] = penalties[2].model_copy(update={"repair_status": RepairStatus.REPAIRED})
    given: list[AnyRecord] = [measures[0], penalties[0], entries[0], penalties[1], entries[1], *entries[2:]]
    given += [measures[1], penalties[2]]
    records, regions, runs = kind_by_kind(given, list(range(len(given))))
    assert [given[i] for i in regions] == records  # the region indices travel with their records
    assert [cls for cls, _ in runs] == list(PLANS)
    columns = Columns.read(records, runs)
    assert columns.dedup_keys() == [r.dedup_key for r in records]
    assert columns.event_dates() == [r.event_date for r in records]
    assert columns.column("domain") == [r.domain for r in records]
    minor, repaired = columns.marks()
    assert (minor, repaired) == ([is_minor(r) for r in records], [is_repaired(r) for r in records])
    assert any(minor)
    assert any(repaired)
