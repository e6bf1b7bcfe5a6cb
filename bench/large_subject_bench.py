"""Large subject: a report of 10,000 records through the real broker over HTTP, and the broker's peak memory.

The broker runs in its own process; its peak resident set (``VmHWM`` in ``/proc/<pid>/status``) is read once
it has started and again after the large reports, so the figure is the whole process's peak, imports included.
"""

from __future__ import annotations

from typing import Any

from bench.data import SubjectData
from bench.loadgen import Load, run_load
from bench.nodes import Site
from bench.procs import peak_rss_mb
from bench.stack import broker_running, nodes_running
from bench.stats import median, r

TARGET_MB = 150.0
TARGET_MS = 300.0


def run(site: Site, subject: SubjectData, *, reports: int, progress: Any = print) -> dict[str, Any]:
    """Ask for ``subject``'s report ``reports`` times, one after another."""
    progress(f"  large subject: {subject.total} records, {reports} reports …")
    with nodes_running(site, {}) as targets, broker_running(site, targets, subject) as stack:
        started_hwm, started_rss = peak_rss_mb(stack.broker.pid)
        load = Load(stack.url, subject.request_body(), stack.headers, 1, 600.0, warmup_s=0.0, max_requests=reports)
        samples = run_load(load)
        peak_hwm, after_rss = peak_rss_mb(stack.broker.pid)
    if not samples.wall_ms:
        raise RuntimeError(f"large subject: no successful request ({samples.error_example})")
    return {
        "records_sent": subject.total,
        "records_in_report": samples.records,
        "reports": len(samples.wall_ms),
        "errors": samples.errors,
        "wall_p50_ms": r(median(samples.wall_ms), 1),
        "wall_max_ms": r(max(samples.wall_ms), 1),
        "broker_rss_after_start_mb": r(started_rss, 1),
        "broker_peak_mb": r(peak_hwm, 1),
        "broker_peak_before_mb": r(started_hwm, 1),
        "broker_rss_after_mb": r(after_rss, 1),
        "target": {"broker_peak_mb_max": TARGET_MB, "wall_p50_ms_max": TARGET_MS},
        "met": peak_hwm <= TARGET_MB and samples.records >= min(subject.total, 10_000),
        "met_latency": median(samples.wall_ms) <= TARGET_MS,
    }
