"""Run one regional node until SIGINT or SIGTERM: what ``jjj adapter serve`` calls.

The node opens its store, serves ``RegionAdapter`` (+ health, reflection) on ``host:port``, and on a signal
stops accepting calls, lets running ones finish within :data:`GRACE_SECONDS`, then closes the store.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from merge.regions import Region

log = logging.getLogger(__name__)

#: How long in-flight queries may run on after a stop signal (the broker's deadline is shorter than this).
GRACE_SECONDS = 5.0


def serve(region: Region, db_url: str, host: str, port: int, latency_ms: float = 0) -> int:
    """Serve until SIGINT/SIGTERM, then stop gracefully; return the process exit status (0)."""
    return asyncio.run(_serve(region, db_url, host, port, latency_ms))


async def _serve(region: Region, db_url: str, host: str, port: int, latency_ms: float) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    store = await SqlRecordStore.open(db_url, region)
    try:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        server, bound = await create_server(address, store, NodeConfig(region, latency_ms=latency_ms))
        shown = f"[{host}]" if ":" in host else host
        log.info("node %s listening on %s:%d", region.value, shown, bound)
        try:
            await stop.wait()
            log.info("node %s stopping", region.value)
        finally:
            await server.stop(GRACE_SECONDS)
    finally:
        await store.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("node %s stopped", region.value)
    return 0
