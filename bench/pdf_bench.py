"""PDF benchmark (issue 5, point 3): render time of a 2-page report in a warm pool, a 1,000-record report's
time and peak memory, and the pool's memory after 100 versus 1,000 renders; and (issue 15) what starting a
signing worker costs, phase by phase, alone and two at once as the broker starts them.

``run(quick)`` returns the figures as a dict; ``python -m bench.pdf_bench [--quick]`` prints them. Quick mode
renders fewer reports (10 and 40 instead of 100 and 1,000; a 100-record report instead of 1,000) and
takes about 15 s on a quiet machine, so that ``python -m bench --quick`` as a whole stays under a minute.

The JSON + PDF latency of one user after a broker start is ``bench/pdf_first_bench.py`` (it needs the nodes).

Method: one warm worker process (``PdfRenderer(workers=1, max_tasks_per_child=None)``, so that memory growth
is measured without the recycling that production uses), reports rendered one after another, each timed
from the caller's ``await`` (so pickling the report to the worker is included). Signing is timed separately
in this process. Memory is the worker's resident set (``VmRSS``) and its peak (``VmHWM``) from ``/proc``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from broker.keys import init_keys
from broker.pdf.pool import PdfRenderer
from broker.pdf.sample import sample_report
from broker.pdf.sign import load_signer, sign_with
from merge.canonical import canonical_json
from merge.report import Report

TARGET_TWO_PAGE_MS = 300.0
TARGET_MEMORY_GROWTH = 0.10
#: Quick mode: memory measured after this many 2-page renders and again after that many; the large report's size.
QUICK_RENDERS = (10, 40)
QUICK_LARGE_RECORDS = 100
CODE = "K7QX-9M2P-4HTD-R8WC"
URL = "https://jjj.example.cn/verify?code=K7QX9M2P4HTDR8WC"


def _proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "n": len(ordered),
    }


async def _timed(renderer: PdfRenderer, report: Report, data: bytes) -> tuple[float, bytes]:
    started = time.perf_counter()
    pdf = await renderer.render(report, verification_code=CODE, verify_url=URL, canonical_json=data)
    return time.perf_counter() - started, pdf


async def _pool_figures(quick: bool) -> tuple[dict[str, Any], bytes]:
    """The pool's figures, and the last 2-page PDF (for the signing figures)."""
    small, large = sample_report(2), sample_report(QUICK_LARGE_RECORDS if quick else 1000)
    small_json, large_json = canonical_json(small), canonical_json(large)
    first_count, second_count = QUICK_RENDERS if quick else (100, 1000)
    renderer = PdfRenderer(workers=1, max_tasks_per_child=None)
    try:
        await renderer.start()
        (pid,) = renderer.worker_pids()
        times: list[float] = []
        pdf = b""
        for done in range(1, second_count + 1):
            elapsed, pdf = await _timed(renderer, small, small_json)
            times.append(elapsed)
            if done == first_count:
                rss_first = _proc_kib(pid, "VmRSS")
        rss_second = _proc_kib(pid, "VmRSS")
        peak_before_large = _proc_kib(pid, "VmHWM")
        large_seconds, large_pdf = await _timed(renderer, large, large_json)
        peak_large = _proc_kib(pid, "VmHWM")
    finally:
        renderer.close()
    growth = (rss_second - rss_first) / rss_first
    figures = {
        "two_page": {"pages": _pages(pdf), **_ms(times), "target_median_ms": TARGET_TWO_PAGE_MS},
        "large": {
            "records": len(large.records),
            "pages": _pages(large_pdf),
            "seconds": round(large_seconds, 2),
            "worker_peak_rss_mib": round(peak_large / 1024, 1),
            "worker_peak_rss_before_mib": round(peak_before_large / 1024, 1),
            "json_mib": round(len(large_json) / 2**20, 2),
            "pdf_mib": round(len(large_pdf) / 2**20, 2),
        },
        "memory": {
            f"rss_after_{first_count}_mib": round(rss_first / 1024, 1),
            f"rss_after_{second_count}_mib": round(rss_second / 1024, 1),
            "growth": round(growth, 4),
            "target_growth": TARGET_MEMORY_GROWTH,
            "within_target": abs(growth) <= TARGET_MEMORY_GROWTH,
        },
    }
    return figures, pdf


def _sign_figures(quick: bool, directory: Path, pdf: bytes) -> dict[str, Any]:
    # ``pdf`` comes from the pool: rendering it here would load weasyprint and the fonts in this process too.
    keyring = init_keys(directory)
    signer = load_signer(keyring.signer_key, keyring.signer_cert, keyring.ca_cert)
    sign_with(pdf, signer)  # first call imports and warms pyhanko
    times = []
    for _ in range(5 if quick else 20):
        started = time.perf_counter()
        sign_with(pdf, signer)
        times.append(time.perf_counter() - started)
    return _ms(times)


async def _start_figures(directory: Path, workers: int) -> dict[str, Any]:
    """Start a signing pool of ``workers`` cold workers; its wall time and each worker's phases and CPU."""
    renderer = PdfRenderer(workers=workers, max_tasks_per_child=None, keyring=init_keys(directory))
    try:
        started = time.perf_counter()
        await renderer.start()
        wall = time.perf_counter() - started
    finally:
        renderer.close()
    return {
        "workers": workers,
        "start_s": round(wall, 2),
        "worker_cpu_ms": [s.cpu_ms for s in renderer.startups],
        "phases_ms": [s.wall_ms for s in renderer.startups],
    }


def run(quick: bool) -> dict[str, Any]:
    """Measure and return the PDF figures (see the module docstring)."""
    import tempfile

    started = time.perf_counter()
    figures, pdf = asyncio.run(_pool_figures(quick))
    with tempfile.TemporaryDirectory() as keys:
        figures["sign"] = _sign_figures(quick, Path(keys), pdf)
        figures["worker_start"] = [asyncio.run(_start_figures(Path(keys), n)) for n in (1, 2)]
    figures["quick"] = quick
    figures["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()}
    figures["bench_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def main(argv: list[str]) -> int:
    figures = run(quick="--quick" in argv)
    two, large, memory = figures["two_page"], figures["large"], figures["memory"]
    print(f"PDF 2-page report (warm pool): median {two['median_ms']} ms, p90 {two['p90_ms']} ms (target ≤ 300 ms)")
    print(
        f"PDF {large['records']}-record report: {large['pages']} pages in {large['seconds']} s, peak RSS "
        f"{large['worker_peak_rss_mib']} MiB"
    )
    print(f"PDF worker memory growth: {memory['growth']:+.1%} (target within ±10 %)")
    print(f"PAdES signature: median {figures['sign']['median_ms']} ms")
    for start in figures["worker_start"]:
        print(f"PDF pool of {start['workers']} starting: {start['start_s']} s, worker CPU {start['worker_cpu_ms']} ms")
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
