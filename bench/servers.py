"""The broker (the real app) and the skeleton, each served by aiohttp's AppRunner/TCPSite in a child process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.pki_layout import PkiLayout
from bench.nodes import ISSUER
from bench.procs import Child, cpu_split, serve_in_child
from merge.regions import Region

#: Redis the benchmark uses (the same as the tests'); every key is under a fresh ``bench:<hex>:`` prefix.
REDIS_URL = "redis://127.0.0.1:6379/0"

BENCH_SUBJECT_KEY = "jjj-bench-subject-key-0123456789abcdef0123456789"


def broker_settings(targets: dict[Region, str], keys_dir: Path, certs_dir: Path, prefix: str) -> dict[str, object]:
    """Settings values of the broker under test (validated in the child: ``Settings.model_validate``)."""
    pki = PkiLayout(certs_dir)
    return {
        "tls_cert": str(pki.broker_cert),
        "tls_key": str(pki.broker_key),
        "tls_ca": str(pki.ca_cert),
        "warrant_issuer": ISSUER,
        # The benchmark's own secret: production settings refuse the published development value.
        "subject_key_secret": BENCH_SUBJECT_KEY,
        "redis_url": REDIS_URL,
        "redis_prefix": prefix,
        "node_beijing": targets[Region.BEIJING],
        "node_tianjin": targets[Region.TIANJIN],
        "node_hebei": targets[Region.HEBEI],
        "keys_dir": str(keys_dir),
        "request_deadline_s": 10.0,
        # These parts measure JSON reports, and a daemonic child cannot start PDF workers (bench/pdf_bench.py
        # measures PDFs with a broker of its own).
        "pdf_prewarm": False,
    }


def start_broker(values: dict[str, object]) -> tuple[Child, int]:
    child = Child(_broker_entry, values, cpus=cpu_split()[0])
    port: int = child.start()
    return child, port


def start_skeleton(targets: dict[Region, str], keys_dir: Path, certs_dir: Path) -> tuple[Child, int]:
    by_name = {r.value: t for r, t in targets.items()}
    child = Child(_skeleton_entry, by_name, str(keys_dir), str(certs_dir), cpus=cpu_split()[0])
    port: int = child.start()
    return child, port


async def _serve(app: web.Application) -> tuple[Any, Callable[[], Awaitable[None]]]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    return port, runner.cleanup


def _broker_entry(conn: Connection, values: dict[str, object]) -> None:
    from adapters.event_loop import new_event_loop
    from broker.app import create_app
    from broker.settings import Settings

    async def start() -> tuple[Any, Callable[[], Awaitable[None]]]:
        return await _serve(create_app(Settings.model_validate(values)))

    # The loop `jjj serve` runs on (uvloop when installed): the benchmark measures what is deployed.
    serve_in_child(conn, start, new_event_loop)


def _skeleton_entry(conn: Connection, targets: dict[str, str], keys_dir: str, certs_dir: str) -> None:
    from adapters.event_loop import new_event_loop
    from bench.skeleton import create_skeleton_app

    async def start() -> tuple[Any, Callable[[], Awaitable[None]]]:
        app = create_skeleton_app({Region(k): v for k, v in targets.items()}, Path(keys_dir), Path(certs_dir))
        return await _serve(app)

    # The same loop as the broker's, so that the throughput comparison compares the handlers only.
    serve_in_child(conn, start, new_event_loop)
