"""JSON + PDF for one user, including the first PDF after the broker starts (issue 15: p99 ≤ 1 s).

Method: the real broker as ``jjj serve`` runs (its own process, pinned to the server core with the PDF workers
it starts; nodes and this client share the other), against the benchmark's nodes. For each start, one
signed-in user asks for a report (``POST /v1/reports``) and then downloads its PDF (``GET …/{no}.pdf``, rendered
and signed on that first download), ``pairs`` times one after another; the figure is the wall time of each
pair, the first after the start included. Three ways of starting, measured in the same run:

- ``on_demand``: ``pdf_prewarm`` off (the old default), first pair as soon as the port answers;
- ``prewarm``: ``pdf_prewarm`` on, first pair once ``/healthz`` says ``ok`` (what a load balancer that trusts
  readiness does): the target applies here;
- ``prewarm_no_wait``: ``pdf_prewarm`` on, first pair as soon as the port answers (a client that ignores
  readiness waits for the warm-up in progress).

CPU is read from ``/proc`` for the broker and every process under it (the PDF workers): what the start cost
until ready, and per pair after it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.auth import report_headers
from bench.data import SubjectData
from bench.nodes import Site
from bench.procs import cpu_split
from bench.servers import broker_settings
from bench.stack import _drop_prefix, nodes_running
from bench.stats import median, percentile, r
from broker.settings import Settings
from merge.regions import Region

TARGET_P99_MS = 1000.0
MODES = ("on_demand", "prewarm", "prewarm_no_wait")
_START_TIMEOUT_S = 120.0


def _cpu_ms(pid: int) -> float:
    """CPU (user + system) of ``pid`` and every live process under it, in milliseconds."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # it exited meanwhile
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def _start_broker(values: dict[str, object], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``jjj serve`` with ``values`` as ``JJJ_*`` variables, pinned to the server CPUs before anything starts."""
    env = os.environ | {f"JJJ_{name.upper()}": str(value) for name, value in values.items()}
    cpus = sorted(cpu_split()[0])
    code = (
        "import os, sys, runpy\n"
        f"if {cpus!r}: os.sched_setaffinity(0, {cpus!r})\n"
        f"sys.argv = ['jjj', 'serve', '--port', '{port}']\n"
        "runpy.run_module('broker', run_name='__main__')\n"
    )
    with log.open("wb") as out:
        # Our own interpreter running code built here from integers.
        return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-1500:]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_health(session: aiohttp.ClientSession, base: str, proc: subprocess.Popen[bytes], *, ok: bool) -> None:
    """Until ``/healthz`` answers at all (``ok`` false) or says ``ok`` (``ok`` true)."""
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the broker exited (code {proc.returncode})")
        try:
            async with session.get(base + "/healthz") as response:
                body = await response.json()
            if not ok or body["status"] == "ok":
                return
        except (aiohttp.ClientError, ValueError):
            pass
        await asyncio.sleep(0.01)
    raise RuntimeError(f"the broker did not become {'ok' if ok else 'reachable'} within {_START_TIMEOUT_S:.0f} s")


async def _pair(session: aiohttp.ClientSession, base: str, headers: dict[str, str], body: object) -> list[float]:
    """One report and its PDF: [total, json, pdf] milliseconds."""
    started = time.perf_counter()
    async with session.post(base + "/v1/reports", json=body, headers=headers) as response:
        document = await response.read()
        if response.status != 200:
            raise RuntimeError(f"POST /v1/reports: {response.status} {document[:200]!r}")
        code, number = response.headers["X-Verification-Code"], orjson.loads(document)["report_no"]
    json_done = time.perf_counter()
    async with session.get(f"{base}/v1/reports/{number}.pdf", params={"code": code}) as response:
        pdf = await response.read()
        if response.status != 200 or not pdf.startswith(b"%PDF-1.7"):
            raise RuntimeError(f"GET {number}.pdf: {response.status} {pdf[:200]!r}")
    done = time.perf_counter()
    return [(done - started) * 1000, (json_done - started) * 1000, (done - json_done) * 1000]


async def _one_start(
    values: dict[str, object], headers: dict[str, str], body: object, mode: str, pairs: int, log: Path
) -> dict[str, Any]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    spawned = time.perf_counter()
    proc = _start_broker(values | {"pdf_prewarm": mode != "on_demand"}, port, log)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            await _wait_health(session, base, proc, ok=False)
            ready = listening = time.perf_counter() - spawned
            if mode == "prewarm":  # the others go as soon as the port answers
                await _wait_health(session, base, proc, ok=True)
                ready = time.perf_counter() - spawned
            cpu_at_ready = _cpu_ms(proc.pid)
            times = [await _pair(session, base, headers, body) for _ in range(pairs)]
            cpu_after = _cpu_ms(proc.pid)
    except Exception as exc:
        raise RuntimeError(f"{mode}: {exc}; broker log: {_tail(log)}") from exc
    finally:
        proc.terminate()
        proc.wait(30)
    return {
        "listening_s": listening,
        "ready_s": ready,
        "start_cpu_ms": cpu_at_ready,
        "pairs": times,
        "cpu_per_pair_ms": (cpu_after - cpu_at_ready) / pairs,
    }


def _summary(starts: list[dict[str, Any]]) -> dict[str, Any]:
    totals = [pair[0] for start in starts for pair in start["pairs"]]
    later = [pair for start in starts for pair in start["pairs"][1:]]
    return {
        "starts": len(starts),
        "pairs_per_start": len(starts[0]["pairs"]),
        "first_total_ms": [r(start["pairs"][0][0], 1) for start in starts],
        "first_pdf_ms": [r(start["pairs"][0][2], 1) for start in starts],
        "total_p50_ms": r(median(totals), 1),
        "total_p99_ms": r(percentile(totals, 99), 1),
        "total_max_ms": r(max(totals), 1),
        "later_json_p50_ms": r(median([p[1] for p in later]), 1) if later else None,
        "later_pdf_p50_ms": r(median([p[2] for p in later]), 1) if later else None,
        "listening_s": r(median([s["listening_s"] for s in starts])),
        "ready_s": r(median([s["ready_s"] for s in starts])),
        "start_cpu_ms": r(median([s["start_cpu_ms"] for s in starts]), 0),
        "cpu_per_pair_ms": r(median([s["cpu_per_pair_ms"] for s in starts]), 1),
    }


def run(
    site: Site, subject: SubjectData, *, quick: bool, sizes: tuple[int, int] | None = None, progress: Any = print
) -> dict[str, Any]:
    """Measure every mode (see the module docstring) against one set of nodes; returns the figures.
    ``sizes`` is (starts per mode, pairs per start): (5, 15), or (1, 5) when ``quick``."""
    starts, pairs = sizes or ((1, 5) if quick else (5, 15))
    results: dict[str, Any] = {}
    with nodes_running(site, {}) as targets, tempfile.TemporaryDirectory(prefix="jjj-bench-pdf-") as logs:
        for mode in MODES:
            progress(f"  JSON + PDF after start: {mode}, {starts} start(s) × {pairs} pairs …")
            measured = [asyncio.run(_measure(site, targets, subject, mode, pairs, Path(logs))) for _ in range(starts)]
            results[mode] = _summary(measured)
    target = results["prewarm"]
    return {
        "subject_records": subject.total,
        **results,
        "first_on_demand_over_prewarm": r(
            median(results["on_demand"]["first_total_ms"]) / median(target["first_total_ms"])
        ),
        "target": {"total_p99_ms_max": TARGET_P99_MS, "mode": "prewarm"},
        "met": target["total_p99_ms"] <= TARGET_P99_MS,
    }


async def _measure(
    site: Site, targets: dict[Region, str], subject: SubjectData, mode: str, pairs: int, logs: Path
) -> dict[str, Any]:
    prefix = f"bench:{secrets.token_hex(4)}:"
    values = broker_settings(targets, site.keys_dir, site.certs_dir, prefix)
    headers = await report_headers(Settings.model_validate(values), subject.identifier, subject.name)
    try:
        return await _one_start(values, headers, subject.request_body(), mode, pairs, logs / f"{prefix[6:-1]}.log")
    finally:
        await _drop_prefix(prefix)
