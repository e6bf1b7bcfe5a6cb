"""The three regional nodes for a benchmark: real gRPC servers over seeded SQLite stores, each in a child process.

:func:`prepare` seeds the stores once (and makes the broker's keys, whose public half the nodes trust, as
``tests/broker/conftest.py`` does, and registers the subjects in Tianjin); :func:`start_nodes` serves them with the
given injected latencies. Nodes verify every warrant (:class:`adapters.warrant_check.WarrantCheck`), sign every
answer with their region's answer key and serve mTLS with the development PKI in ``certs/``
(:func:`adapters.pki.ensure_dev_pki`), as in production.

``memory=True`` starts *light* nodes instead, for measuring the broker with nodes that are not the bottleneck:
the same gRPC service, answering from records held in memory, without a warrant check or a database, still
building, masking and signing every answer (each answer must name its query, so none can be made in advance).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from adapters.answer_signing import AnswerSigner
from adapters.broker_jwks import BrokerJwks
from adapters.event_loop import new_event_loop
from adapters.pki import PkiLayout, ensure_dev_pki
from adapters.server import NodeConfig, create_server
from adapters.store import SqlRecordStore
from adapters.subject_register import RegisteredSubject, SqlSubjectRegister
from adapters.tls_material import TlsSource, load_node_tls
from adapters.warrant_check import WarrantCheck
from bench.data import SubjectData
from bench.procs import Child, cpu_split, serve_in_child
from broker.keys import init_keys
from merge.answer_document import SubjectStatus
from merge.edition_rules import AnyRecord
from merge.identifiers import Subject, SubjectKind, parse_subject
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
    (site.directory / "subjects.json").write_text(json.dumps([s.identifier for s in subjects]))

    async def seed() -> None:
        for region in REGION_ORDER:
            store = await SqlRecordStore.open(site.db_url(region), region)
            register = await SqlSubjectRegister.open(site.db_url(region), region)
            try:
                for subject in subjects:
                    await store.add_records(subject.records[region])
                if region is Region.TIANJIN:  # the subjects' home (bench/data.py)
                    await register.register(
                        [RegisteredSubject(SubjectKind.ENTERPRISE, s.identifier, s.name, SubjectStatus.REGISTERED)
                         for s in subjects]
                    )  # fmt: skip
            finally:
                await register.close()
                await store.close()

    asyncio.run(seed())
    return site


def start_nodes(
    site: Site, latency_ms: dict[Region, float], *, memory: bool = False
) -> tuple[list[Child], dict[Region, str]]:
    """Start each region's node in a child process of its own (as on three machines, whatever the core count);
    returns the children and each region's ``host:port``. ``memory``: light nodes (module docstring)."""
    children: list[Child] = []
    targets: dict[Region, str] = {}
    entry = _memory_node_entry if memory else _node_entry
    try:
        for region in REGION_ORDER:
            child = Child(entry, str(site.directory), region.value, latency_ms.get(region, 0.0), cpus=cpu_split()[1])
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
        register = await SqlSubjectRegister.open(site.db_url(region), region)
        verifier = await WarrantCheck.open(site.db_url(region), region, jwks, issuers=(ISSUER,))
        config = NodeConfig(region=region, latency_ms=latency_ms)
        pki = PkiLayout(site.certs_dir)
        tls = load_node_tls(TlsSource(pki.node_cert(region), pki.node_key(region), pki.ca_cert), region)
        signer = AnswerSigner.from_directory(pki, region)
        server, port = await create_server(
            "127.0.0.1:0", store, config, tls=tls, verifier=verifier, signer=signer, register=register
        )

        async def stop() -> None:
            await server.stop(grace=None)
            await verifier.close()
            await register.close()
            await store.close()

        return port, stop

    serve_in_child(conn, start, new_event_loop)  # the loop `jjj-node serve` runs on: what is deployed


class MemorySource:
    """A :class:`adapters.server.RecordSource` over records loaded once (light nodes)."""

    def __init__(self, records: dict[str, list[AnyRecord]], as_of: datetime) -> None:
        self._records = records
        self._as_of = as_of

    async def query(self, subject: Subject, window_from: date, window_to: date) -> AsyncIterator[AnyRecord]:
        for record in self._records.get(subject.identifier, []):
            if window_from <= record.event_date <= window_to:
                yield record

    async def data_as_of(self) -> datetime:
        return self._as_of


def _memory_node_entry(conn: Connection, directory: str, region_name: str, latency_ms: float) -> None:
    site, region = Site(Path(directory)), Region(region_name)

    async def start() -> tuple[Any, Callable[[], Awaitable[None]]]:
        store = await SqlRecordStore.open(site.db_url(region), region)
        try:
            subjects = json.loads((site.directory / "subjects.json").read_text())
            held: dict[str, list[AnyRecord]] = {}
            for identifier in subjects:
                held[identifier] = [r async for r in store.query(parse_subject(identifier), date.min, date.max)]
            as_of = await store.data_as_of()
        finally:
            await store.close()
        pki = PkiLayout(site.certs_dir)
        tls = load_node_tls(TlsSource(pki.node_cert(region), pki.node_key(region), pki.ca_cert), region)
        config = NodeConfig(region=region, latency_ms=latency_ms)
        source = MemorySource(held, as_of)
        signer = AnswerSigner.from_directory(pki, region)
        server, port = await create_server("127.0.0.1:0", source, config, tls=tls, signer=signer)

        async def stop() -> None:
            await server.stop(grace=None)

        return port, stop

    serve_in_child(conn, start, new_event_loop)
