"""The broker's and the skeleton's entries (:class:`bench.procs.Child`), in a module that imports nothing else.

A child imports the module of its entry: kept apart from :mod:`bench.servers` (which knows the nodes, and
with them the nodes' database stack), the broker's process holds what ``jjj serve`` loads, so its resident
memory is the deployed broker's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.procs import serve_in_child

if TYPE_CHECKING:
    from aiohttp import web


async def serve_app(app: web.Application) -> tuple[Any, Callable[[], Awaitable[None]]]:
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    return port, runner.cleanup


def broker_entry(conn: Connection, values: dict[str, object]) -> None:
    from adapters.event_loop import new_event_loop
    from adapters.malloc import fix_mmap_threshold
    from broker.app import create_app
    from broker.settings import Settings

    fix_mmap_threshold()  # as `jjj serve` does

    async def start() -> tuple[Any, Callable[[], Awaitable[None]]]:
        return await serve_app(create_app(Settings.model_validate(values)))

    # The loop `jjj serve` runs on (uvloop when installed): the benchmark measures what is deployed.
    serve_in_child(conn, start, new_event_loop)


def skeleton_entry(conn: Connection, targets: dict[str, str], keys_dir: str, certs_dir: str) -> None:
    from adapters.event_loop import new_event_loop
    from bench.skeleton import create_skeleton_app
    from merge.regions import Region

    async def start() -> tuple[Any, Callable[[], Awaitable[None]]]:
        app = create_skeleton_app({Region(k): v for k, v in targets.items()}, Path(keys_dir), Path(certs_dir))
        return await serve_app(app)

    # The same loop as the broker's, so that the throughput comparison compares the handlers only.
    serve_in_child(conn, start, new_event_loop)
