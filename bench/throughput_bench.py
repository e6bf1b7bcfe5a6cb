"""Throughput: JSON reports per second, zero injected latency, against the bare skeleton and the sequential
baseline, all three measured in the same run against the same nodes with the same closed-loop load."""

from __future__ import annotations

from typing import Any

from bench.data import SubjectData
from bench.loadgen import Load, Samples, run_load
from bench.nodes import Site
from bench.servers import start_skeleton
from bench.stack import broker_running, nodes_running
from bench.stats import percentile, r

CONCURRENCY = 16
TARGET_RATIO = 0.5


def _figures(samples: Samples) -> dict[str, Any]:
    if not samples.wall_ms:
        raise RuntimeError(f"throughput: no successful request ({samples.error_example})")
    return {
        "reports_per_s": r(samples.rate, 1),
        "requests": len(samples.wall_ms),
        "errors": samples.errors,
        "records_per_report": samples.records,
        "wall_p50_ms": r(percentile(samples.wall_ms, 50)),
        "wall_p99_ms": r(percentile(samples.wall_ms, 99)),
    }


def run(
    site: Site, subject: SubjectData, *, duration_s: float, warmup_s: float = 0.5, progress: Any = print
) -> dict[str, Any]:
    """Measure skeleton, sequential baseline and jjj, each for ``duration_s`` after ``warmup_s``."""
    duration = duration_s
    body = subject.request_body()
    results: dict[str, dict[str, Any]] = {}
    with nodes_running(site, {}) as targets:
        skeleton, port = start_skeleton(targets, site.keys_dir, site.certs_dir)
        try:
            base = f"http://127.0.0.1:{port}/v1/reports"
            progress(f"  throughput: skeleton, {duration:.0f} s …")
            results["skeleton"] = _figures(run_load(Load(base, body, {}, CONCURRENCY, duration, warmup_s)))
            progress(f"  throughput: sequential baseline, {duration:.0f} s …")
            results["sequential"] = _figures(
                run_load(Load(base + "/sequential", body, {}, CONCURRENCY, duration, warmup_s))
            )
        finally:
            skeleton.stop()
        with broker_running(site, targets, subject) as stack:
            progress(f"  throughput: jjj broker, {duration:.0f} s …")
            results["jjj"] = _figures(run_load(Load(stack.url, body, stack.headers, CONCURRENCY, duration, warmup_s)))
    ratio = results["jjj"]["reports_per_s"] / results["skeleton"]["reports_per_s"]
    return {
        "concurrency": CONCURRENCY,
        **results,
        "jjj_over_skeleton": r(ratio, 3),
        "jjj_over_sequential": r(results["jjj"]["reports_per_s"] / results["sequential"]["reports_per_s"], 3),
        "target": {"jjj_over_skeleton_min": TARGET_RATIO},
        "met": ratio >= TARGET_RATIO,
    }
