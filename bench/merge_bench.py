"""Merge cost: validate (build each region's :class:`RegionAnswer` from its records, as the gRPC client does),
merge and canonicalise 10,000 records, in this process, no I/O. Median of several rounds."""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime
from typing import Any

from bench.data import EDITION, PURPOSE, SubjectData
from bench.stats import median, r
from merge.answers import RegionAnswer, RegionStatus
from merge.canonical import canonical_json
from merge.domains import DEFAULT_COVERAGE
from merge.identifiers import parse_subject
from merge.merging import merge_report
from merge.report import ReportQuery
from merge.window import compute_window

TARGET_MS = 50.0


def _once(subject: SubjectData, query: ReportQuery) -> tuple[float, float, float, float, int, int]:
    """(validate, merge, canonical) wall ms, the CPU ms of all three, canonical bytes."""
    cpu = time.process_time()
    started = time.perf_counter()
    answers = [
        RegionAnswer(
            region_code=region.code,
            status=RegionStatus.ANSWERED,
            latency_ms=0.0,
            data_as_of=datetime.now(UTC),
            covered_domains=frozenset(DEFAULT_COVERAGE[region]),
            records=tuple(records),
        )
        for region, records in subject.records.items()
    ]
    validated = time.perf_counter()
    report = merge_report(query, answers, report_no="JJJ-BENCH-0001", issued_at=datetime.now(UTC))
    merged = time.perf_counter()
    body = canonical_json(report)
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    wall = ((validated - started) * 1000, (merged - validated) * 1000, (done - merged) * 1000)
    return (*wall, cpu * 1000, len(body), len(report.records))


def run(subject: SubjectData, *, rounds: int, progress: Any = print) -> dict[str, Any]:
    """Median of ``rounds`` timed rounds after one warm-up round."""
    progress(f"  merge: {subject.total} records, {rounds} rounds …")
    today = datetime.now(UTC).date()
    window_from, window_to = compute_window(today, 3, EDITION, 0)
    query = ReportQuery(
        subject=parse_subject(subject.identifier), edition=EDITION, purpose=PURPOSE,
        window_from=window_from, window_to=window_to, application_date=today,
    )  # fmt: skip
    _once(subject, query)  # warm caches (pydantic validators, lru caches) as a running broker has them
    samples = []
    for _ in range(rounds):
        gc.collect()
        samples.append(_once(subject, query))
    totals = [sum(s[:3]) for s in samples]
    total = median(totals)
    return {
        "records": subject.total,
        "records_in_report": samples[0][5],
        "rounds": rounds,
        "validate_ms": r(median([s[0] for s in samples])),
        "merge_ms": r(median([s[1] for s in samples])),
        "canonical_ms": r(median([s[2] for s in samples])),
        "total_ms": r(total),
        # CPU time of the same three steps: what the wall time would be on an otherwise idle core.
        "total_cpu_ms": r(median([s[3] for s in samples])),
        "canonical_bytes": samples[0][4],
        "target": {"total_ms_max": TARGET_MS},
        "met": total <= TARGET_MS,
    }
