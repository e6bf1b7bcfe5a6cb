"""Databases for the node benchmark: a SQLite file, or a fresh PostgreSQL database per run (dropped after), seeded
with one region's records; and the CPU PostgreSQL's own processes spend serving them.

PostgreSQL is the one on 127.0.0.1:5432 with trust authentication (``JJJ_BENCH_PG_HOST`` / ``_PORT`` / ``_USER``
override), as the tests use it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from adapters.seed import generate
from adapters.store import SqlRecordStore
from merge.edition_rules import AnyRecord
from merge.regions import Region

PG_HOST = os.environ.get("JJJ_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("JJJ_BENCH_PG_PORT", "5432"))
#: Other subjects of the region in the same tables, so the subject's rows are found through the index.
BACKGROUND_SUBJECTS = 300
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


async def _admin_connect() -> asyncpg.Connection:
    # Trust auth: the server accepts `postgres` on most installs and `root` on some; try both.
    last: Exception | None = None
    for user in (os.environ.get("JJJ_BENCH_PG_USER", "postgres"), "root"):
        try:
            return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=user, database="postgres")
        except (asyncpg.PostgresError, OSError) as exc:
            last = exc
    raise RuntimeError(f"PostgreSQL at {PG_HOST}:{PG_PORT} is needed for the node benchmark: {last}")


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, empty database for this run; yields its URL and drops it (with its connections) afterwards."""
    name = f"jjj_bench_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connect()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        user = await admin.fetchval("SELECT current_user")
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin = await _admin_connect()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def sqlite_url(directory: Path, region: Region) -> str:
    return f"sqlite+aiosqlite:///{directory / region.value}.db"


async def seed(url: str, region: Region, subject_records: list[AnyRecord], *, background: int) -> None:
    """The subject's records plus the seed's records of ``background`` other subjects of the region."""
    store = await SqlRecordStore.open(url, region)
    try:
        await store.add_records(subject_records)
        batch: list[AnyRecord] = []
        for record in generate(region, background, seed=17):
            batch.append(record)
            if len(batch) == 2000:
                await store.add_records(batch)
                batch = []
        await store.add_records(batch)
    finally:
        await store.close()


def _process_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (proc(5)), i.e. indexes 11 and 12 here.
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


async def backend_cpu(database: str) -> tuple[dict[int, float], bool]:
    """CPU seconds so far of each PostgreSQL backend serving ``database``, and whether /proc showed them all
    (PostgreSQL on another host, or in a container, cannot be read)."""
    admin = await _admin_connect()
    try:
        pids = [
            row["pid"] for row in await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
        ]
    finally:
        await admin.close()
    cpu = {pid: seconds for pid in pids if (seconds := _process_cpu_s(pid)) is not None}
    return cpu, len(cpu) == len(pids)


def own_cpu_s() -> float:
    """This process's CPU seconds from /proc (every thread, user + system), as ``ps`` and ``top`` count it."""
    seconds = _process_cpu_s(os.getpid())
    return seconds if seconds is not None else float("nan")
