"""Merge cost: validate, merge and canonicalise 10,000 records, in this process, no network. Median of rounds.

Each round starts from the bytes the three nodes send (pages of 500 records, then a summary) and takes them
the way the broker does:

- **validate**: decode each page and check the stream with the gRPC client's own reader
  (:class:`adapters.answer_reader.AnswerReader`: protobuf to validated record models, then the answer checks);
- **merge**: :func:`merge.fast.merging.merge_report` (the fast path the broker calls);
- **canonical**: :func:`merge.fast.canonical.canonical_json`;

merge and canonical with the cyclic garbage collector paused, as the broker's report service runs them.

Every round decodes new record objects, as every report does. (Until 2026-11-23 the records were built once,
outside the clock, and reused by every round: that left out their validation, and the UTF-8 forms orjson caches
on strings in one round made the canonical JSON of the next about 15 ms cheaper than a report's really is.)
"""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime
from typing import Any

from adapters.answer_reader import AnswerReader
from adapters.convert import record_to_proto, timestamp_from_datetime
from bench.data import EDITION, PURPOSE, SubjectData
from bench.stats import median, r
from merge.domains import DEFAULT_COVERAGE
from merge.fast.canonical import canonical_json
from merge.fast.merging import merge_report
from merge.identifiers import parse_subject
from merge.regions import Region
from merge.report import ReportQuery
from merge.window import compute_window
from protos.credit.v1 import adapter_pb2

TARGET_MS = 50.0
PAGE_SIZE = 500  # the node's default page


def wire_answers(subject: SubjectData) -> dict[Region, list[bytes]]:
    """Each region's answer stream as its node sends it: serialised pages, then the summary."""
    streams: dict[Region, list[bytes]] = {}
    for region, records in subject.records.items():
        messages = []
        for page_no, start in enumerate(range(0, len(records), PAGE_SIZE), start=1):
            page = [record_to_proto(record) for record in records[start : start + PAGE_SIZE]]
            response = adapter_pb2.QueryRecordsResponse(page=adapter_pb2.RecordPage(page_no=page_no, records=page))
            messages.append(response.SerializeToString())
        counts: dict[str, int] = {}
        for record in records:
            counts[record.domain] = counts.get(record.domain, 0) + 1
        summary = adapter_pb2.QuerySummary(
            count_by_domain=counts,
            total=len(records),
            data_as_of=timestamp_from_datetime(datetime.now(UTC)),
            covered_domains=DEFAULT_COVERAGE[region],
            region_code=region.code,
        )
        messages.append(adapter_pb2.QueryRecordsResponse(summary=summary).SerializeToString())
        streams[region] = messages
    return streams


def _once(streams: dict[Region, list[bytes]], query: ReportQuery) -> tuple[float, float, float, float, int, int]:
    """(validate, merge, canonical) wall ms, the CPU ms of all three, canonical bytes, records in the report."""
    cpu = time.process_time()
    started = time.perf_counter()
    answers = []
    for region, messages in streams.items():
        reader = AnswerReader(region)
        for message in messages:
            reader.add(adapter_pb2.QueryRecordsResponse.FromString(message))
        answers.append(reader.answer())
    validated = time.perf_counter()
    # The broker's GC policy: merge and canonicalisation build tens of thousands of acyclic objects, and
    # collections triggered by those allocations would walk every live object for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = merge_report(query, answers, report_no="JJJ-BENCH-0001", issued_at=datetime.now(UTC))
        merged = time.perf_counter()
        body = canonical_json(report)
        done = time.perf_counter()
    finally:
        if collecting:
            gc.enable()
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
    streams = wire_answers(subject)
    _once(streams, query)  # warm caches (pydantic validators, lru caches) as a running broker has them
    samples = []
    for _ in range(rounds):
        gc.collect()
        samples.append(_once(streams, query))
    totals = [sum(s[:3]) for s in samples]
    total = median(totals)
    merge_and_canonical = median([s[1] + s[2] for s in samples])
    return {
        "records": subject.total,
        "records_in_report": samples[0][5],
        "rounds": rounds,
        "validate_ms": r(median([s[0] for s in samples])),
        "merge_ms": r(median([s[1] for s in samples])),
        "canonical_ms": r(median([s[2] for s in samples])),
        "merge_and_canonical_ms": r(merge_and_canonical),
        "total_ms": r(total),
        # CPU time of the same three steps: what the wall time would be on an otherwise idle core.
        "total_cpu_ms": r(median([s[3] for s in samples])),
        "canonical_bytes": samples[0][4],
        "target": {"total_ms_max": TARGET_MS},
        "met": total <= TARGET_MS,
    }
