"""Run one regional node until SIGINT or SIGTERM: what ``jjj adapter serve`` calls.

The node opens its store, serves ``RegionAdapter`` (+ health, reflection) on ``host:port``, and on a signal
stops accepting calls, lets running ones finish within :data:`GRACE_SECONDS`, then closes the store.

Every query's warrant is checked against the broker's JWKS (``broker_jwks``: a file or an ``http(s)`` URL) by
:class:`adapters.warrant_check.WarrantCheck`. ``broker_jwks=None`` serves without any warrant check — only the
command line's explicit ``--insecure-no-warrant-check`` development flag leads here, and it is logged loudly.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from adapters.server import NodeConfig, NoWarrantCheck, WarrantVerifier, create_server
from adapters.store import SqlRecordStore
from merge.regions import Region

log = logging.getLogger(__name__)

#: How long in-flight queries may run on after a stop signal (the broker's deadline is shorter than this).
GRACE_SECONDS = 5.0


def serve(region: Region, db_url: str, host: str, port: int, latency_ms: float = 0, *, broker_jwks: str | None) -> int:
    """Serve until SIGINT/SIGTERM, then stop gracefully; return the process exit status (0)."""
    return asyncio.run(_serve(region, db_url, host, port, latency_ms, broker_jwks))


async def _verifier(region: Region, db_url: str, broker_jwks: str | None) -> WarrantVerifier:
    if broker_jwks is None:
        log.warning(
            "node %s: INSECURE, queries are answered WITHOUT checking warrants (development only)", region.value
        )
        return NoWarrantCheck()
    from adapters.broker_jwks import BrokerJwks
    from adapters.warrant_check import WarrantCheck

    jwks = await BrokerJwks.load(broker_jwks)
    log.info("node %s: warrants checked against the broker's keys from %s", region.value, broker_jwks)
    return await WarrantCheck.open(db_url, region, jwks)


async def _serve(region: Region, db_url: str, host: str, port: int, latency_ms: float, broker_jwks: str | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    store = await SqlRecordStore.open(db_url, region)
    verifier: WarrantVerifier | None = None
    try:
        verifier = await _verifier(region, db_url, broker_jwks)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = NodeConfig(region, latency_ms=latency_ms)
        server, bound = await create_server(address, store, config, verifier=verifier)
        shown = f"[{host}]" if ":" in host else host
        log.info("node %s listening on %s:%d", region.value, shown, bound)
        try:
            await stop.wait()
            log.info("node %s stopping", region.value)
        finally:
            await server.stop(GRACE_SECONDS)
    finally:
        close = getattr(verifier, "close", None)
        if close is not None:
            await close()
        await store.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("node %s stopped", region.value)
    return 0
