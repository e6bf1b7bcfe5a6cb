"""The load generator: a closed loop of ``concurrency`` clients in a child process of its own.

Running it in another process keeps the client's CPU out of the server's. Each client posts, reads the whole
body, parses it and records the wall time and the slowest region's ``latency_ms`` as the server reported it.
Requests that finish during the warm-up are dropped from the samples.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import aiohttp
import orjson

from bench.procs import Child, cpu_split


@dataclass(frozen=True, slots=True)
class Load:
    url: str
    body: dict[str, object]
    headers: dict[str, str]
    concurrency: int
    duration_s: float
    warmup_s: float = 0.5
    #: Stop early after this many measured requests (0: run for ``duration_s``).
    max_requests: int = 0


@dataclass(frozen=True, slots=True)
class Samples:
    """Measured requests: wall milliseconds and slowest region's milliseconds, per successful request."""

    wall_ms: list[float]
    slowest_region_ms: list[float]
    records: int
    errors: int
    error_example: str
    elapsed_s: float

    @property
    def rate(self) -> float:
        return len(self.wall_ms) / self.elapsed_s if self.elapsed_s > 0 else 0.0


def run_load(load: Load) -> Samples:
    """Run ``load`` from a fresh child process and return its samples."""
    child = Child(_entry, load, cpus=cpu_split()[1])
    try:
        samples: Samples = child.start(timeout=load.warmup_s + load.duration_s + 120)
    finally:
        child.stop()
    return samples


def _entry(conn: Connection, load: Load) -> None:
    try:
        conn.send(asyncio.run(_generate(load)))
    except Exception as exc:
        conn.send(RuntimeError(f"{type(exc).__name__}: {exc}"))


async def _generate(load: Load) -> Samples:
    wall: list[float] = []
    slowest: list[float] = []
    errors: list[str] = []
    records = 0
    last = 0.0
    payload = orjson.dumps(load.body)
    headers = {"Content-Type": "application/json", **load.headers}
    connector = aiohttp.TCPConnector(limit=load.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        begin = time.perf_counter()
        measure_from = begin + load.warmup_s
        end = measure_from + load.duration_s

        async def client() -> None:
            nonlocal records, last
            measured = False  # every client measures at least one request, however short the run
            while (time.perf_counter() < end or not measured) and not (
                load.max_requests and len(wall) >= load.max_requests
            ):
                started = time.perf_counter()
                async with session.post(load.url, data=payload, headers=headers) as response:
                    body = await response.read()
                finished = time.perf_counter()
                if started < measure_from:
                    continue
                measured = True
                if response.status != 200:
                    errors.append(f"{response.status} {body[:200].decode(errors='replace')}")
                    continue
                last = max(last, finished)
                document = orjson.loads(body)
                wall.append((finished - started) * 1000)
                slowest.append(max(r["latency_ms"] for r in document["regions"]))
                records = (
                    len(document["records"])
                    if "records" in document
                    else sum(r["records"] for r in document["regions"])
                )

        await asyncio.gather(*(client() for _ in range(load.concurrency)))
        elapsed = last - measure_from
    return Samples(wall, slowest, records, len(errors), errors[0] if errors else "", max(elapsed, 1e-9))
