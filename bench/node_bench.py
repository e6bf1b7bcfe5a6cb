"""Node CPU per query, in this process, no network: what a regional node does for one subject's query.

The work of one query is :class:`bench.node_queries.NodeQueries` (verify the warrant with its replay-protection
write, read, apply the edition's rules), on SQLite and on a fresh PostgreSQL database, on both paths (record
models, plain rows). The subject has :data:`RECORDS` records the standard edition shows, among the records of
:data:`~bench.node_db.BACKGROUND_SUBJECTS` other subjects.

Each figure is CPU time per query — ``process_time`` (every thread of this process, aiosqlite's included) and
/proc (the same, at 10 ms resolution) — at concurrency 1 and 16 (that many queries at once on one event loop),
and PostgreSQL's own backends' CPU, read from /proc. Stage figures come from a separate concurrency-1 pass that
times each stage. The target (≤ 1 ms, issue 15) is for the whole node; this part is the node's work under the
wire protocol, so its figure should leave room for the answer's encoding, signature and gRPC.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, OKPKey
from sqlalchemy.engine import make_url

from adapters.broker_jwks import BrokerJwks
from adapters.convert import QueryScope
from adapters.store import SqlRecordStore
from adapters.warrant_check import WarrantCheck
from bench.data import EDITION, WINDOW_YEARS, subject_data
from bench.node_db import BACKGROUND_SUBJECTS, backend_cpu, own_cpu_s, postgres_database, seed, sqlite_url
from bench.node_queries import ISSUER, PATHS, NodeQueries
from bench.stats import r
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region
from merge.window import compute_window

TARGET_CPU_MS = 1.0
RECORDS = 12
REGION = Region.TIANJIN
CONCURRENCY = (1, 16)
_WARMUP = 30


async def _level(queries: NodeQueries, concurrency: int, count: int, database: str | None) -> dict[str, Any]:
    tokens = queries.warrants(count)

    async def worker(mine: list[bytes]) -> None:
        for token in mine:
            sent = await queries.query(token)
            if sent != RECORDS:
                raise RuntimeError(f"node sent {sent} records, expected {RECORDS}")

    backends_before = (await backend_cpu(database))[0] if database else {}
    cpu, proc, wall = time.process_time(), own_cpu_s(), time.perf_counter()
    await asyncio.gather(*(worker(tokens[i::concurrency]) for i in range(concurrency)))
    cpu, proc, wall = time.process_time() - cpu, own_cpu_s() - proc, time.perf_counter() - wall
    level: dict[str, Any] = {
        "concurrency": concurrency,
        "queries": count,
        "cpu_ms_per_query": r(cpu * 1000 / count, 3),
        "proc_cpu_ms_per_query": r(proc * 1000 / count, 3),
        "queries_per_s": r(count / wall, 1),
    }
    if database:
        after, complete = await backend_cpu(database)
        # Backends that lived through the run; one opened meanwhile is counted from zero, one closed is lost.
        spent = sum(seconds - backends_before.get(pid, 0.0) for pid, seconds in after.items())
        level["db_server_cpu_ms_per_query"] = r(spent * 1000 / count, 3) if complete else None
        level["db_backends_opened"] = len(after.keys() - backends_before.keys())
    return level


async def _stages(queries: NodeQueries, count: int) -> dict[str, float]:
    """CPU ms per query of each stage, concurrency 1."""
    totals = dict.fromkeys(("verify", "read", "rules", "encode"), 0.0)
    for token in queries.warrants(count):
        t0 = time.process_time()
        await queries.verify(token)
        t1 = time.process_time()
        records = await queries.read()
        t2 = time.process_time()
        shown = queries.rules(records)
        t3 = time.process_time()
        queries.encode(shown)
        t4 = time.process_time()
        for name, spent in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            totals[name] += spent
    return {name: r(spent * 1000 / count, 3) for name, spent in totals.items()}


async def _path(
    label: str, queries: NodeQueries, count: int, database: str | None, progress: Callable[[str], None]
) -> dict[str, Any]:
    for token in queries.warrants(_WARMUP):
        await queries.query(token)
    levels = []
    for concurrency in CONCURRENCY:
        progress(f"  node {label}: {count} queries at concurrency {concurrency} …")
        try:
            levels.append(await _level(queries, concurrency, count, database))
        except Exception as exc:  # e.g. a pool run dry: a finding, not a reason to lose the other figures
            progress(f"  node {label}: concurrency {concurrency} failed: {type(exc).__name__}: {exc}")
            levels.append({"concurrency": concurrency, "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
    return {"levels": levels, "stages_cpu_ms_c1": await _stages(queries, max(50, count // 4))}


async def _backend(name: str, url: str, count: int, progress: Callable[[str], None]) -> dict[str, Any]:
    subject = subject_data(RECORDS)
    progress(f"  node {name}: seeding {RECORDS} records of one subject + {BACKGROUND_SUBJECTS} other subjects …")
    await seed(url, REGION, subject.records[REGION], background=BACKGROUND_SUBJECTS)
    window_from, window_to = compute_window(datetime.now(UTC).date(), WINDOW_YEARS, EDITION, 0)
    subject_id = Subject(SubjectKind.ENTERPRISE, subject.identifier)
    scope = QueryScope(REGION, subject_id, EDITION, window_from, window_to, "bench")
    key = OKPKey.import_key(OKPKey.generate_key("Ed25519").as_dict(private=True), {"kid": "bench-1", "alg": "EdDSA"})
    database = make_url(url).database if name == "postgresql" else None
    async with AsyncExitStack() as stack:
        store = await SqlRecordStore.open(url, REGION)
        stack.push_async_callback(store.close)
        check = await WarrantCheck.open(url, REGION, BrokerJwks("bench", KeySet([key])), issuers=(ISSUER,))
        stack.push_async_callback(check.close)
        return {
            path: await _path(
                f"{name} {path}", NodeQueries(store, check, key, scope, path=path), count, database, progress
            )
            for path in PATHS
        }


async def _run(queries_per_level: int, progress: Callable[[str], None]) -> dict[str, Any]:
    backends: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jjj-node-bench-") as directory:
        backends["sqlite"] = await _backend("sqlite", sqlite_url(Path(directory), REGION), queries_per_level, progress)
    async with postgres_database() as url:
        backends["postgresql"] = await _backend("postgresql", url, queries_per_level, progress)
    figures = [level.get("cpu_ms_per_query") for b in backends.values() for level in b["rows"]["levels"]]
    worst = None if None in figures else max(figures)
    return {
        "records_per_query": RECORDS,
        "backends": backends,
        "worst_cpu_ms_per_query": worst,
        "target": {"cpu_ms_per_query_max": TARGET_CPU_MS},
        "met": worst is not None and worst <= TARGET_CPU_MS,
    }


def run(*, queries_per_level: int, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """The node part of ``make bench``: CPU per query on SQLite and PostgreSQL at concurrency 1 and 16."""
    return asyncio.run(_run(queries_per_level, progress))
