"""merge.fast.canonical writes exactly what the general path writes (model_dump + orjson), on reports of the
benchmark's own data merged by merge.fast.merging."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bench.data import EDITION, PURPOSE, subject_data
from merge.answers import RegionAnswer, RegionStatus
from merge.canonical import canonical_json_of
from merge.domains import DEFAULT_COVERAGE
from merge.fast.canonical import _plain_records, canonical_json
from merge.fast.merging import merge_report
from merge.identifiers import parse_subject
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, RecordKind
from merge.regions import REGION_ORDER
from merge.report import CellState, Report, ReportQuery
from merge.window import compute_window


def _query(identifier: str) -> ReportQuery:
    today = datetime.now(UTC).date()
    window_from, window_to = compute_window(today, 3, EDITION, 0)
    return ReportQuery(
        subject=parse_subject(identifier), edition=EDITION, purpose=PURPOSE,
        window_from=window_from, window_to=window_to, application_date=today,
    )  # fmt: skip


def _report(per_region: int, seed: int) -> Report:
    data = subject_data(per_region, seed=seed)
    query = _query(data.identifier)
    answers = [
        RegionAnswer(
            region_code=region.code,
            status=RegionStatus.ANSWERED,
            latency_ms=12.3,
            data_as_of=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            covered_domains=frozenset(DEFAULT_COVERAGE[region]),
            records=tuple(records),
        )
        for region, records in data.records.items()
    ]
    return merge_report(query, answers, report_no="JJJ-T-1", issued_at=datetime(2026, 5, 6, 7, 8, tzinfo=UTC))


def _general(report: Report) -> bytes:
    return canonical_json_of(report.model_dump(mode="json", by_alias=True))


def test_fast_path_is_taken_and_equals_the_general_path_for_every_record_kind() -> None:
    assert _plain_records()
    report = _report(60, seed=7)
    kinds = {item.record.kind for item in report.records}
    assert kinds == set(RecordKind)  # penalties, list entries and coercive measures all went through it
    assert any(isinstance(item.record, Penalty) and item.record.fine_amount is not None for item in report.records)
    assert canonical_json(report) == _general(report)


def test_equal_after_a_round_trip_through_the_served_json() -> None:
    report = _report(5, seed=11)
    again = Report.model_validate_json(canonical_json(report))
    assert canonical_json(again) == _general(again) == canonical_json(report)


def test_decimal_forms_and_optional_dates_are_written_as_pydantic_writes_them() -> None:
    report = _report(3, seed=3)
    odd = [Decimal("1E+3"), Decimal("0.00010"), Decimal("12345678901234567890.5"), Decimal("-0")]
    records = [item.record for item in report.records]
    penalties = [r for r in records if isinstance(r, Penalty)]
    assert penalties
    changed = [p.model_copy(update={"fine_amount": odd[i % len(odd)], "repaired_on": date(2025, 1, 1)})
               for i, p in enumerate(penalties)]  # fmt: skip
    items = tuple(
        item.model_copy(update={"record": changed.pop(0)}) if isinstance(item.record, Penalty) else item
        for item in report.records
    )
    patched = report.model_copy(update={"records": items})
    assert canonical_json(patched) == _general(patched)
    assert b'"fine_amount":"1E+3"' in canonical_json(patched)
    assert not [r for r in records if not isinstance(r, Penalty | DishonestyListEntry | CoerciveMeasure)]


def test_matrix_of_every_cell_state_and_an_empty_report_equal_the_general_path() -> None:
    # No records at all, one region not answered and a domain outside the catalogue: every kind of cell.
    data = subject_data(2, seed=9)
    query = _query(data.identifier)
    records = [r.model_copy(update={"domain": "zz_not_in_catalogue"}) for r in data.records[REGION_ORDER[0]]]
    answers = [
        RegionAnswer(region_code=REGION_ORDER[0].code, status=RegionStatus.ANSWERED, latency_ms=1.0,
                     covered_domains=frozenset(DEFAULT_COVERAGE[REGION_ORDER[0]]), records=tuple(records)),
        RegionAnswer(region_code=REGION_ORDER[1].code, status=RegionStatus.ANSWERED, latency_ms=2.0,
                     covered_domains=frozenset(DEFAULT_COVERAGE[REGION_ORDER[1]][:5])),
        RegionAnswer(region_code=REGION_ORDER[2].code, status=RegionStatus.TIMED_OUT, latency_ms=3.0),
    ]  # fmt: skip
    mixed = merge_report(query, answers, report_no="JJJ-T-2", issued_at=datetime(2026, 5, 6, tzinfo=UTC))
    states = {cell.state for row in mixed.matrix for cell in row.cells.values()}
    assert states == set(CellState)
    assert mixed.matrix[-1].domain == "zz_not_in_catalogue"
    assert canonical_json(mixed) == _general(mixed)
    empty = merge_report(query, answers[1:], report_no="JJJ-T-3", issued_at=datetime(2026, 5, 6, tzinfo=UTC))
    assert not empty.records
    assert canonical_json(empty) == _general(empty)
