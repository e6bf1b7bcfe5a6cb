"""CPU per report, read per process, and the broker's capacity with nodes that are not the bottleneck.

Two measurements, each a closed-loop load of the typical subject (12 records) with no injected latency:

- **whole stack**: three real nodes (SQLite, warrant checks, signing) and the real broker, at concurrency 1 and
  16. Before and after each load the CPU time (user + system, all threads) of the broker and of every node is read
  from ``/proc/<pid>/stat``; divided by the requests served, that is the CPU each spends per report. Reports per
  second at concurrency 16 is the whole stack's rate on this machine.
- **capacity**: the same broker, and the skeleton (the same fan-out and answer checks, nothing else), against
  *light* nodes (records in memory, no warrant check, still signing each answer; :mod:`bench.nodes`) on the other
  core, at concurrency 16: reports per second of each, and their ratio. The nodes' CPU is reported too, to show
  they were not the bottleneck.

Each load runs once unmeasured first (warm caches, TLS sessions), then measured without a warm-up phase so every
request counted is in the CPU delta.
"""

from __future__ import annotations

from typing import Any

from bench.data import SubjectData
from bench.loadgen import Load, Samples, run_load
from bench.nodes import Site, start_nodes
from bench.procs import Child, cpu_seconds
from bench.servers import start_skeleton
from bench.stack import broker_running
from bench.stats import percentile, r
from merge.regions import REGION_ORDER

CONCURRENCY = (1, 16)
TARGETS = {"broker_cpu_ms_max": 2.0, "node_cpu_ms_max": 1.0, "capacity_ratio_min": 0.5}


def _measured(url: str, body: dict[str, object], headers: dict[str, str], concurrency: int, duration_s: float,
              pids: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    run_load(Load(url, body, headers, concurrency, min(duration_s, 1.0), warmup_s=0.0))
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    samples: Samples = run_load(Load(url, body, headers, concurrency, duration_s, warmup_s=0.0))
    after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    served = len(samples.wall_ms) + samples.errors
    if not samples.wall_ms:
        raise RuntimeError(f"cpu: no successful request ({samples.error_example})")
    return {
        "concurrency": concurrency,
        "requests": served,
        "errors": samples.errors,
        "reports_per_s": r(samples.rate, 1),
        "wall_p50_ms": r(percentile(samples.wall_ms, 50)),
        "cpu_ms_per_report": {name: r((after[name] - before[name]) * 1000 / served, 3) for name in pids},
    }


def _node_pids(children: list[Child]) -> dict[str, int]:
    return {f"node_{region.value}": child.pid for region, child in zip(REGION_ORDER, children, strict=True)}


def run(
    site: Site, subject: SubjectData, *, duration_s: float, warmup_s: float = 0.5, progress: Any = print
) -> dict[str, Any]:
    body = subject.request_body()
    levels: list[dict[str, Any]] = []
    children, targets = start_nodes(site, {})
    try:
        with broker_running(site, targets, subject) as stack:
            pids = {"broker": stack.broker.pid, **_node_pids(children)}
            for concurrency in CONCURRENCY:
                progress(f"  cpu: whole stack, concurrency {concurrency}, {duration_s:.0f} s …")
                levels.append(_measured(stack.url, body, stack.headers, concurrency, duration_s, pids))
    finally:
        for child in children:
            child.stop()
    capacity: dict[str, Any] = {}
    children, targets = start_nodes(site, {}, memory=True)
    try:
        skeleton, port = start_skeleton(targets, site.keys_dir, site.certs_dir)
        try:
            progress(f"  cpu: capacity, skeleton against light nodes, {duration_s:.0f} s …")
            pids = {"skeleton": skeleton.pid, **_node_pids(children)}
            capacity["skeleton"] = _measured(f"http://127.0.0.1:{port}/v1/reports", body, {}, 16, duration_s, pids)
        finally:
            skeleton.stop()
        with broker_running(site, targets, subject) as stack:
            progress(f"  cpu: capacity, jjj against light nodes, {duration_s:.0f} s …")
            pids = {"broker": stack.broker.pid, **_node_pids(children)}
            capacity["jjj"] = _measured(stack.url, body, stack.headers, 16, duration_s, pids)
    finally:
        for child in children:
            child.stop()
    ratio = capacity["jjj"]["reports_per_s"] / capacity["skeleton"]["reports_per_s"]
    broker_cpu = max(level["cpu_ms_per_report"]["broker"] for level in levels)
    node_cpu = max(v for level in levels for k, v in level["cpu_ms_per_report"].items() if k.startswith("node_"))
    return {
        "records_per_report": subject.total,
        "whole_stack": levels,
        "whole_stack_reports_per_s": levels[-1]["reports_per_s"],
        "capacity": {**capacity, "jjj_over_skeleton": r(ratio, 3)},
        "broker_cpu_ms_per_report": broker_cpu,
        "node_cpu_ms_per_query": node_cpu,
        "target": TARGETS,
        "met": {
            "broker_cpu": broker_cpu <= TARGETS["broker_cpu_ms_max"],
            "node_cpu": node_cpu <= TARGETS["node_cpu_ms_max"],
            "capacity": ratio >= TARGETS["capacity_ratio_min"],
        },
    }
