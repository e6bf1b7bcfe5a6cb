"""Fan-out overhead: what jjj adds on top of the slowest region, at concurrency 1, 16 and 64.

Nodes answer after an injected 10, 20 and 40 ms (Beijing, Tianjin, Hebei). Per request, overhead is the report's
wall time at the client minus the slowest region's ``latency_ms`` as the broker measured it and reported in the
response's ``regions[]`` (that region's gRPC call, from the broker's side: injected delay + node work + the
transport). A second figure subtracts only the injected 40 ms (so it also counts node work and gRPC transport).
"""

from __future__ import annotations

from typing import Any

from bench.data import SubjectData
from bench.loadgen import Load, run_load
from bench.nodes import Site
from bench.stack import broker_running, nodes_running
from bench.stats import percentile, r
from merge.regions import Region

LATENCY_MS = {Region.BEIJING: 10.0, Region.TIANJIN: 20.0, Region.HEBEI: 40.0}
TARGET = {"concurrency": 16, "p50_ms": 5.0, "p99_ms": 20.0}


def run(
    site: Site, subject: SubjectData, *, duration_s: float, warmup_s: float = 1.0, progress: Any = print
) -> dict[str, Any]:
    """Measure each concurrency level for ``duration_s`` after ``warmup_s`` (see the module docstring)."""
    duration = duration_s
    slowest_injected = max(LATENCY_MS.values())
    levels: list[dict[str, Any]] = []
    with nodes_running(site, LATENCY_MS) as targets, broker_running(site, targets, subject) as stack:
        for concurrency in (1, 16, 64):
            progress(f"  fan-out: concurrency {concurrency}, {duration:.0f} s …")
            load = Load(stack.url, subject.request_body(), stack.headers, concurrency, duration, warmup_s=warmup_s)
            samples = run_load(load)
            if not samples.wall_ms:
                raise RuntimeError(f"fan-out: no successful request ({samples.error_example})")
            overhead = [w - s for w, s in zip(samples.wall_ms, samples.slowest_region_ms, strict=True)]
            over_injected = [w - slowest_injected for w in samples.wall_ms]
            levels.append(
                {
                    "concurrency": concurrency,
                    "requests": len(samples.wall_ms),
                    "errors": samples.errors,
                    "reports_per_s": r(samples.rate, 1),
                    "records_per_report": samples.records,
                    "wall_p50_ms": r(percentile(samples.wall_ms, 50)),
                    "wall_p99_ms": r(percentile(samples.wall_ms, 99)),
                    "slowest_region_p50_ms": r(percentile(samples.slowest_region_ms, 50)),
                    "overhead_p50_ms": r(percentile(overhead, 50)),
                    "overhead_p99_ms": r(percentile(overhead, 99)),
                    "over_injected_p50_ms": r(percentile(over_injected, 50)),
                    "over_injected_p99_ms": r(percentile(over_injected, 99)),
                }
            )
    at_target = next(level for level in levels if level["concurrency"] == TARGET["concurrency"])
    return {
        "injected_latency_ms": {region.value: ms for region, ms in LATENCY_MS.items()},
        "overhead_definition": "client wall time minus the slowest region's latency_ms from the response",
        "levels": levels,
        "target": TARGET,
        "met": at_target["overhead_p50_ms"] <= TARGET["p50_ms"] and at_target["overhead_p99_ms"] <= TARGET["p99_ms"],
    }
