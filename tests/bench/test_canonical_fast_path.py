"""merge.fast.canonical writes exactly what the general path writes (model_dump + orjson, the region parts parsed
and re-encoded), on reports of the benchmark's own data merged by merge.fast.merging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from bench.data import EDITION, PURPOSE, subject_data
from merge.answer_builder import unsigned_answer
from merge.answers import RegionAnswer, RegionStatus
from merge.canonical import canonical_json_of
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
from merge.fast.canonical import _plain_models, canonical_json
from merge.fast.merging import merge_report
from merge.identifiers import parse_subject
from merge.records import VIOLATION_KINDS, Penalty
from merge.regions import REGION_ORDER, Region
from merge.report import CellState, Report, ReportQuery
from merge.report_content import shown_records
from merge.window import compute_window


def _query(identifier: str) -> ReportQuery:
    today = datetime.now(UTC).date()
    window_from, window_to = compute_window(today, 3, EDITION, 0)
    return ReportQuery(
        subject=parse_subject(identifier), edition=EDITION, purpose=PURPOSE,
        window_from=window_from, window_to=window_to, application_date=today,
    )  # fmt: skip


def _answer(region: Region, records: list[AnyRecord], query: ReportQuery, **kw: object) -> RegionAnswer:
    options: dict[str, object] = {"covered": DEFAULT_COVERAGE[region], "latency_ms": 12.3}
    options.update(kw)
    return unsigned_answer(
        region.code, records, query=query, data_as_of=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        signer=f"CN=region {region.code} answers", **options,  # type: ignore[arg-type]
    )  # fmt: skip


def _report(per_region: int, seed: int, change: Callable[[AnyRecord], AnyRecord] | None = None) -> Report:
    data = subject_data(per_region, seed=seed)
    query = _query(data.identifier)
    changed = {region: [change(r) if change else r for r in records] for region, records in data.records.items()}
    answers = [_answer(region, records, query) for region, records in changed.items()]
    return merge_report(query, answers, report_no="JJJ-T-1", issued_at=datetime(2026, 5, 6, 7, 8, tzinfo=UTC))


def _general(report: Report) -> bytes:
    return canonical_json_of(report.model_dump(mode="json", by_alias=True))


def test_fast_path_is_taken_and_equals_the_general_path_for_every_record_kind() -> None:
    assert _plain_models()
    report = _report(60, seed=7)
    contents = [record for _, record in shown_records(report)]
    # Every kind a report holds as records went through it (licences are listed apart, never records).
    assert {record.kind for record in contents} == set(VIOLATION_KINDS)
    assert any(isinstance(r, Penalty) and r.fine_amount is not None for r in contents)
    assert canonical_json(report) == _general(report)


def test_equal_after_a_round_trip_through_the_served_json() -> None:
    report = _report(5, seed=11)
    again = Report.model_validate_json(canonical_json(report))
    assert canonical_json(again) == _general(again) == canonical_json(report)


def test_decimal_forms_and_optional_dates_are_written_as_pydantic_writes_them() -> None:
    odd = [Decimal("1E+3"), Decimal("0.00010"), Decimal("12345678901234567890.5"), Decimal("-0")]
    count = iter(range(10**6))

    def change(record: AnyRecord) -> AnyRecord:
        if not isinstance(record, Penalty):
            return record
        return record.model_copy(update={"fine_amount": odd[next(count) % len(odd)], "repaired_on": date(2025, 1, 1)})

    patched = _report(3, seed=3, change=change)
    assert canonical_json(patched) == _general(patched)
    assert b'"fine_amount":"1E+3"' in canonical_json(patched)
    # And the parts read back into the same amounts the models held.
    amounts = {r.fine_amount for _, r in shown_records(patched) if isinstance(r, Penalty)}
    assert amounts <= set(odd)
    assert amounts


def test_matrix_of_every_cell_state_and_an_empty_report_equal_the_general_path() -> None:
    # No records at all, one region not answered, one covering few domains: every kind of cell.
    data = subject_data(2, seed=9)
    query = _query(data.identifier)
    answers = [
        _answer(REGION_ORDER[0], data.records[REGION_ORDER[0]], query, latency_ms=1.0),
        _answer(REGION_ORDER[1], [], query, covered=DEFAULT_COVERAGE[REGION_ORDER[1]][:5], latency_ms=2.0),
        RegionAnswer(region_code=REGION_ORDER[2].code, status=RegionStatus.TIMED_OUT, latency_ms=3.0),
    ]
    mixed = merge_report(query, answers, report_no="JJJ-T-2", issued_at=datetime(2026, 5, 6, tzinfo=UTC))
    states = {cell.state for row in mixed.matrix for cell in row.cells.values()}
    assert states == set(CellState)
    assert canonical_json(mixed) == _general(mixed)
    empty = merge_report(query, answers[1:], report_no="JJJ-T-3", issued_at=datetime(2026, 5, 6, tzinfo=UTC))
    assert not empty.records
    assert canonical_json(empty) == _general(empty)
