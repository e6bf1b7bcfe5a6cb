"""A broker and its three nodes served from a thread of their own, for clients that block (schemathesis,
requests): the real app, real nodes over mTLS, the real Redis under a prefix of its own."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from adapters.pki import PkiLayout
from broker.app import create_app
from broker.web.access_log import PathOnlyAccessLogger
from tests.broker.conftest import free_port, settings_for, start_nodes, stop_nodes
from tests.conftest import delete_prefixed

T = TypeVar("T")


@dataclass
class LiveBroker:
    base_url: str
    app: web.Application
    loop: asyncio.AbstractEventLoop
    prefix: str
    #: The three nodes (``run(lambda: nodes.stop(region))`` takes one down, as an outage would).
    nodes: Any = None

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` on the broker's loop (to use its stores) and wait for it."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(_call(work), self.loop)
        return future.result(timeout=60)


async def _call(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


@contextmanager
def live_broker(
    pki: PkiLayout, tmp_path: Path, latency_ms: dict[Any, float] | None = None, **overrides: Any
) -> Iterator[LiveBroker]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    prefix = f"jjjtest:{uuid.uuid4().hex[:12]}:"
    port = free_port()

    async def start() -> tuple[Any, web.AppRunner]:
        nodes = await start_nodes(pki, tmp_path, latency_ms=latency_ms)
        settings = settings_for(nodes, prefix, public_base_url=f"http://127.0.0.1:{port}", **overrides)
        runner = web.AppRunner(create_app(settings), access_log_class=PathOnlyAccessLogger)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return nodes, runner

    nodes, runner = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=60)
    try:
        yield LiveBroker(f"http://127.0.0.1:{port}", runner.app, loop, prefix, nodes)
    finally:

        async def stop() -> None:
            await runner.cleanup()
            await stop_nodes(nodes)
            await delete_prefixed(prefix)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
