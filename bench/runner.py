"""Run every benchmark part, print a table, write ``bench/results/<timestamp>-<mode>.json`` and ``latest.json``
(``latest.json`` only for a run of every part; ``--only`` runs name their parts in the file name).

Contract: :func:`run_all` returns the results document (also written to disk); each part is a dict with its
figures, its ``target`` and ``met``. A part that fails is recorded as ``{"error": ...}`` and the others still
run. The PDF part comes from ``bench/pdf_bench.py`` (``run(quick) -> dict``) when that module exists, and
``pdf_first`` (JSON + PDF after a broker start) from ``bench/pdf_first_bench.py``; ``--only pdf`` runs both.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.event_loop import event_loop_name
from bench import (
    cpu_bench,
    fanout_bench,
    large_subject_bench,
    merge_bench,
    node_bench,
    pdf_first_bench,
    throughput_bench,
)
from bench.data import subjects_data
from bench.machine import describe
from bench.nodes import NODE_NICENESS, prepare
from bench.procs import cpu_split
from bench.table import render_table

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PARTS = ("fanout", "throughput", "cpu", "merge", "large_subject", "node", "pdf")


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much each part does. :data:`FULL` and :data:`QUICK` are the two modes; tests use smaller ones."""

    name: str
    typical_per_region: int = 4  # 12 records: a typical subject (about 10)
    large_per_region: int = 3334  # 10,002 records
    fanout_s: float = 12.0
    throughput_s: float = 10.0
    cpu_s: float = 8.0
    warmup_s: float = 1.0
    merge_rounds: int = 15
    large_reports: int = 5
    node_queries: int = 2000  # per concurrency level, backend and path


FULL = Sizes("full")
#: A first look in under a minute: shorter load phases (six of them, each with its warm-up); the PDF part has
#: its own quick sizes (bench/pdf_bench.py).
QUICK = Sizes(
    "quick", fanout_s=1.5, throughput_s=1.5, cpu_s=1.5, warmup_s=0.3, merge_rounds=5, large_reports=1, node_queries=300
)


def _guarded(name: str, part: Callable[[], dict[str, Any]], progress: Callable[[str], None]) -> dict[str, Any]:
    progress(f"[{name}]")
    started = time.perf_counter()
    try:
        result = part()
    except Exception as exc:
        progress(f"  {name} failed: {type(exc).__name__}: {exc}")
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=5)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _pdf(quick: bool) -> dict[str, Any]:
    try:
        module = importlib.import_module("bench.pdf_bench")
    except ModuleNotFoundError:
        return {"pending": "bench/pdf_bench.py is not there yet"}
    result: dict[str, Any] = module.run(quick)
    return result


def run_all(
    sizes: Sizes,
    *,
    parts: tuple[str, ...] = (),
    results_dir: Path = RESULTS_DIR,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the parts (all when ``parts`` is empty) and write the results; returns the results document."""
    quick = sizes.name != "full"  # the PDF part knows two modes only
    wanted = set(parts) or set(PARTS)
    started = datetime.now(UTC)
    progress(f"jjj bench ({sizes.name}): preparing data …")
    typical, large = subjects_data(sizes.typical_per_region, sizes.large_per_region)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jjj-bench-") as directory:
        site = prepare(Path(directory), [typical, large])
        if "fanout" in wanted:
            results["fanout"] = _guarded(
                "fanout",
                lambda: fanout_bench.run(
                    site, typical, duration_s=sizes.fanout_s, warmup_s=sizes.warmup_s, progress=progress
                ),
                progress,
            )
        if "throughput" in wanted:
            results["throughput"] = _guarded(
                "throughput",
                lambda: throughput_bench.run(
                    site, typical, duration_s=sizes.throughput_s, warmup_s=sizes.warmup_s, progress=progress
                ),
                progress,
            )
        if "cpu" in wanted:
            results["cpu"] = _guarded(
                "cpu", lambda: cpu_bench.run(site, typical, duration_s=sizes.cpu_s, progress=progress), progress
            )
        if "merge" in wanted:
            results["merge"] = _guarded(
                "merge", lambda: merge_bench.run(large, rounds=sizes.merge_rounds, progress=progress), progress
            )
        if "large_subject" in wanted:
            results["large_subject"] = _guarded(
                "large_subject",
                lambda: large_subject_bench.run(site, large, reports=sizes.large_reports, progress=progress),
                progress,
            )
        if "pdf" in wanted:  # JSON + PDF after a broker start: needs the nodes
            results["pdf_first"] = _guarded(
                "pdf_first", lambda: pdf_first_bench.run(site, typical, quick=quick, progress=progress), progress
            )
    if "node" in wanted:  # its own databases, SQLite and PostgreSQL: no site needed
        results["node"] = _guarded(
            "node", lambda: node_bench.run(queries_per_level=sizes.node_queries, progress=progress), progress
        )
    if "pdf" in wanted:
        results["pdf"] = _guarded("pdf", lambda: _pdf(quick), progress)
    document = {
        "started_at": started.isoformat(),
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "mode": sizes.name,
        "machine": describe(),
        # The broker (or skeleton) runs on its own core; nodes and load generator share the others.
        "cpu_layout": {
            "server": sorted(cpu_split()[0]),
            "nodes_and_load": sorted(cpu_split()[1]),
            "node_niceness": NODE_NICENESS,
        },
        "server_event_loop": event_loop_name(),
        "results": results,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    suffix = "-" + "-".join(sorted(parts)) if parts else ""
    path = results_dir / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{sizes.name}{suffix}.json"
    path.write_text(text, encoding="utf-8")
    if not parts:  # latest.json is always a complete run
        (results_dir / "latest.json").write_text(text, encoding="utf-8")
    document["path"] = str(path)
    return document


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="jjj bench", description="jjj benchmarks (issue 5)")
    parser.add_argument("--quick", action="store_true", help="a first look in under a minute")
    parser.add_argument("--json", action="store_true", help="print the results document as JSON, not the table")
    parser.add_argument(
        "--only", action="append", default=[], choices=list(PARTS),
        help="run only this part (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    # With --json, progress goes to stderr so stdout is exactly the document.
    out = sys.stderr if args.json else sys.stdout

    def progress(line: str) -> None:
        print(line, file=out, flush=True)

    document = run_all(QUICK if args.quick else FULL, parts=tuple(args.only), progress=progress)
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print()
        print(render_table(document))
        print(f"\nresults: {document['path']}")
    return 0
