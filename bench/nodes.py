"""The three regional nodes for a benchmark: real gRPC servers over seeded SQLite stores, each in a child process.

:func:`prepare` seeds the stores once (and makes the broker's keys, whose public half the nodes trust, as
``tests/broker/conftest.py`` does); :func:`start_nodes` serves them with the given injected latencies.
Nodes verify every warrant (:class:`adapters.warrant_check.WarrantCheck`) and serve mTLS with the development PKI
in ``certs/`` (:func:`adapters.pki.ensure_dev_pki`), as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from adapters.broker_jwks import BrokerJwks
from adapters.pki import PkiLayout, ensure_dev_pki
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from adapters.tls_material import TlsSource, load_node_tls
from adapters.warrant_check import WarrantCheck
from bench.data import SubjectData
from bench.procs import Child, cpu_split, serve_in_child
from broker.keys import init_keys
from merge.regions import REGION_ORDER, Region

#: The issuer the benchmarked broker and the skeleton sign warrants as (the broker's default public base URL).
ISSUER = "http://127.0.0.1:8080"


@dataclass(frozen=True, slots=True)
class Site:
    """A prepared benchmark site: node databases and the broker's keys."""

    directory: Path

    @property
    def keys_dir(self) -> Path:
        return self.directory / "keys"

    @property
    def certs_dir(self) -> Path:
        return self.directory / "certs"

    @property
    def jwks_file(self) -> Path:
        return self.directory / "broker-jwks.json"

    def db_url(self, region: Region) -> str:
        return f"sqlite+aiosqlite:///{self.directory / region.value}.db"


def prepare(directory: Path, subjects: list[SubjectData]) -> Site:
    """Make keys and seed each region's store with the subjects' records (in this process, before any child)."""
    site = Site(directory)
    ring = init_keys(site.keys_dir)
    site.jwks_file.write_text(json.dumps(ring.public_jwks()))
    ensure_dev_pki(site.certs_dir)

    async def seed() -> None:
        for region in REGION_ORDER:
            store = await SqlRecordStore.open(site.db_url(region), region)
            try:
                for subject in subjects:
                    await store.add_records(subject.records[region])
            finally:
                await store.close()

    asyncio.run(seed())
    return site


def start_nodes(site: Site, latency_ms: dict[Region, float]) -> tuple[list[Child], dict[Region, str]]:
    """Start each region's node in a child process of its own (as on three machines, whatever the core count);
    returns the children and each region's ``host:port``."""
    children: list[Child] = []
    targets: dict[Region, str] = {}
    try:
        for region in REGION_ORDER:
            child = Child(
                _node_entry, str(site.directory), region.value, latency_ms.get(region, 0.0), cpus=cpu_split()[1]
            )
            children.append(child)
            port: int = child.start()
            targets[region] = f"127.0.0.1:{port}"
    except BaseException:
        for child in children:
            child.stop()
        raise
    return children, targets


#: How much lower the nodes' scheduling priority is than the load generator's (``nice``), on the core they share.
NODE_NICENESS = 5


def _node_entry(conn: Connection, directory: str, region_name: str, latency_ms: float) -> None:
    # The nodes share a core with the load generator, which times every request: when the nodes keep that core
    # busy, a response could wait there for the load generator to be scheduled, and that wait would be counted
    # as jjj's overhead. A lower priority for the nodes lets the load generator read each response when it
    # arrives. (The nodes' own time is what the broker measures as their latency and is subtracted anyway.)
    os.nice(NODE_NICENESS)
    site, region = Site(Path(directory)), Region(region_name)

    async def start() -> tuple[Any, Callable[[], Awaitable[None]]]:
        jwks = await BrokerJwks.load(str(site.jwks_file))
        store = await SqlRecordStore.open(site.db_url(region), region)
        verifier = await WarrantCheck.open(site.db_url(region), region, jwks, issuers=(ISSUER,))
        config = NodeConfig(region=region, latency_ms=latency_ms)
        pki = PkiLayout(site.certs_dir)
        tls = load_node_tls(TlsSource(pki.node_cert(region), pki.node_key(region), pki.ca_cert), region)
        server, port = await create_server("127.0.0.1:0", store, config, tls=tls, verifier=verifier)

        async def stop() -> None:
            await server.stop(grace=None)
            await verifier.close()
            await store.close()

        return port, stop

    serve_in_child(conn, start)
