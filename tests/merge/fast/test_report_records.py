"""ReportRecords: a report's records held column by column behave as a tuple of ReportRecord everywhere."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from merge.canonical import canonical_json
from merge.fast.merging import merge_report
from merge.fast.report_records import ReportRecords
from merge.records import RecordKind
from merge.report import Report, ReportRecord
from tests.merge.test_merging import BJ, HE, ISSUED, TJ, answer, penalty, query


def _item(region: str, record_id: str, reported_by: tuple[str, ...], minor: bool, repaired: bool) -> ReportRecord:
    return ReportRecord(
        kind=RecordKind.PENALTY, region=region, record_id=record_id, reported_by=reported_by, minor=minor,
        repaired=repaired,
    )  # fmt: skip


def _items() -> list[ReportRecord]:
    return [
        _item(BJ, f"{BJ}-1", (BJ,), False, False),
        _item(TJ, f"{TJ}-2", (BJ, TJ), True, False),
        _item(HE, f"{HE}-3", (HE,), False, True),
    ]


def test_reads_as_the_items_it_holds() -> None:
    items = _items()
    held = ReportRecords.of(items)
    assert len(held) == 3
    assert held == tuple(items)
    assert held == items
    assert tuple(items) == held  # from either side
    assert held[1] == items[1]
    assert held[-1] == items[-1]
    assert held[1:] == tuple(items[1:])
    assert isinstance(held[1:], ReportRecords)
    assert list(held) == items
    assert held != tuple(items[:2])
    assert held != items[::-1]
    assert hash(held) == hash(ReportRecords.of(items))
    assert ReportRecords.of([]) == ()
    assert not ReportRecords.of([])
    with pytest.raises(IndexError):
        held[3]


def test_columns_must_be_equally_long() -> None:
    kinds = [item.kind for item in _items()]
    with pytest.raises(ValueError, match="columns of one length"):
        ReportRecords(kinds, [BJ] * 3, ["a", "b", "c"], [(BJ,)] * 3, [False] * 3, [False] * 2)


def test_a_report_validates_serialises_and_describes_them_as_an_array_of_report_records() -> None:
    answers = [answer(BJ, penalty(BJ, 1), penalty(BJ, 2)), answer(TJ, penalty(TJ, 2)), answer(HE)]
    report = merge_report(query(), answers, report_no="JJJ-2026-000001", issued_at=ISSUED)
    assert isinstance(report.records, ReportRecords)
    dumped = report.model_dump(mode="json", by_alias=True)
    assert [item["reported_by"] for item in dumped["records"]] == [["110000", "120000"], ["110000"]]
    again = Report.model_validate_json(canonical_json(report))
    assert isinstance(again.records, ReportRecords)
    assert again == report
    assert again.records == report.records
    # Validation still checks every item: a record from the served JSON with one field broken is refused.
    broken = json.loads(canonical_json(report))
    broken["records"][0]["reported_by"] = []
    with pytest.raises(ValidationError, match=r"records\.0\.reported_by"):
        Report.model_validate(broken)
    schema = Report.model_json_schema(by_alias=True)
    assert schema["properties"]["records"]["type"] == "array"
    assert schema["properties"]["records"]["items"] == {"$ref": "#/$defs/ReportRecord"}
