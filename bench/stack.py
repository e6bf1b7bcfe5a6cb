"""Start the whole system for one measurement: nodes, the broker, a signed-in session; tear it all down after."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis

from bench.auth import report_headers
from bench.data import SubjectData
from bench.nodes import Site, start_nodes
from bench.procs import Child
from bench.servers import REDIS_URL, broker_settings, start_broker
from broker.settings import Settings
from merge.regions import Region


@dataclass(frozen=True, slots=True)
class Stack:
    url: str
    headers: dict[str, str]
    broker: Child
    targets: dict[Region, str]


@contextmanager
def nodes_running(site: Site, latency_ms: dict[Region, float], *, memory: bool = False) -> Iterator[dict[Region, str]]:
    children, targets = start_nodes(site, latency_ms, memory=memory)
    try:
        yield targets
    finally:
        for child in children:
            child.stop()


@contextmanager
def broker_running(site: Site, targets: dict[Region, str], subject: SubjectData) -> Iterator[Stack]:
    """The real broker (own process) for running nodes, and the headers of a session signed in as ``subject``."""
    prefix = f"bench:{secrets.token_hex(4)}:"
    values = broker_settings(targets, site.keys_dir, site.certs_dir, prefix)
    headers = asyncio.run(report_headers(Settings.model_validate(values), subject.identifier, subject.name))
    child, port = start_broker(values)
    try:
        yield Stack(f"http://127.0.0.1:{port}/v1/reports", headers, child, targets)
    finally:
        child.stop()
        asyncio.run(_drop_prefix(prefix))


async def _drop_prefix(prefix: str) -> None:
    """Delete every key the run left in Redis (reports, snapshots, audit log, sessions)."""
    redis = aioredis.from_url(REDIS_URL)
    try:
        batch: list[bytes] = []
        async for key in redis.scan_iter(match=prefix + "*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await redis.unlink(*batch)
                batch = []
        if batch:
            await redis.unlink(*batch)
    finally:
        await redis.aclose()
