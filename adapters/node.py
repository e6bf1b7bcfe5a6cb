"""Run one regional node until SIGINT or SIGTERM: what ``jjj adapter serve`` calls.

The node opens its store, serves ``RegionAdapter`` (+ health, reflection) on ``host:port``, and on a signal
stops accepting calls, lets running ones finish within :data:`GRACE_SECONDS`, then closes the store.

Every query's warrant is checked against the broker's JWKS (``broker_jwks``: a file or an ``http(s)`` URL) by
:class:`adapters.warrant_check.WarrantCheck` and must be issued by one of ``broker_issuers``. ``broker_jwks=None``
serves without any warrant check — only the command line's explicit ``--insecure-no-warrant-check`` development
flag leads here, and it is logged loudly.

The node serves mTLS with the files of ``tls`` (checked before anything listens: :func:`load_node_tls`);
``tls=None`` serves plaintext — only the explicit ``--insecure`` development flag leads here, also logged.
It signs every answer with the region's answer-signing key (``answer``, checked before anything listens:
:meth:`AnswerSigner.load`); without one (development only, logged) answers go unsigned and brokers refuse them.
The subject register (:mod:`adapters.subject_register`) in the same database names the subjects it answers for.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from grpc_health.v1 import _async as health_aio  # grpc.aio HealthServicer; grpc-stubs only types the sync one

from adapters.answer_signing import AnswerSigner
from adapters.confirmations import ConfirmationStore
from adapters.event_loop import new_event_loop
from adapters.health_port import HealthPort
from adapters.metrics import NodeMetrics
from adapters.seals import SealKeys
from adapters.server import NodeConfig, NoWarrantCheck, WarrantVerifier, create_server
from adapters.store import SqlRecordStore
from adapters.subject_lists import SqlSubjectLists
from adapters.subject_register import SqlSubjectRegister
from adapters.tls_material import TlsMaterial, TlsSource, load_node_tls
from merge.regions import Region

if TYPE_CHECKING:
    from adapters.ticket_service import TicketDesk

log = logging.getLogger(__name__)

#: How long in-flight queries may run on after a stop signal (the broker's deadline is shorter than this).
GRACE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Trust:
    """Whom the node trusts: the broker's JWKS and issuer(s) for warrants, the TLS files for the link; and the
    answer-signing key and certificate it signs with (``answer``)."""

    broker_jwks: str | None
    broker_issuers: Sequence[str]
    tls: TlsSource | None
    answer: TlsSource | None = None


def serve(
    region: Region,
    db_url: str,
    host: str,
    port: int,
    latency_ms: float = 0,
    *,
    broker_jwks: str | None,
    broker_issuers: Sequence[str] = (),
    tls: TlsSource | None,
    answer: TlsSource | None = None,
    health_port: int | None = None,
    staff_port: int | None = None,
    due_working_days: int = 5,
    metrics_port: int | None = None,
    covered_domains: tuple[str, ...] = (),
    seal_dir: Path | None = None,
    confirm_working_days: int = 5,
) -> int:
    """Serve until SIGINT/SIGTERM, then stop gracefully; return the process exit status (0).

    Raises ``ValueError`` (a :class:`~adapters.pki_files.PkiError` naming the file) before listening when the TLS
    or answer-signing files are unusable, and ``OSError`` when the port cannot be bound (also when another process
    holds it)."""
    trust = Trust(broker_jwks, tuple(broker_issuers), tls, answer)
    material = None if tls is None else load_node_tls(tls, region)
    signer = None if answer is None else AnswerSigner.load(answer, region)
    staff = StaffOptions(staff_port, due_working_days, seal_dir, confirm_working_days)
    ports = _Ports(health_port, metrics_port)
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(
            _serve(region, db_url, host, port, latency_ms, trust, material, signer, ports, staff, covered_domains)
        )


@dataclass(frozen=True, slots=True)
class _Ports:
    """The node's side ports, each off when ``None``: plaintext health (Kubernetes' probe), metrics."""

    health: int | None = None
    metrics: int | None = None


@dataclass(frozen=True, slots=True)
class StaffOptions:
    """Tickets (objections, repair requests): the staff page's port (None: no page) and the due date."""

    port: int | None = None
    due_working_days: int = 5
    #: Department seal keys (financial edition's confirmations); None: the node takes no confirmations.
    seal_dir: Path | None = None
    confirm_working_days: int = 5


async def _ticket_desk(
    region: Region, db_url: str, trust: Trust, tls: TlsMaterial | None, signer: AnswerSigner | None, staff: StaffOptions
) -> TicketDesk:
    """The ticket RPCs' desk: the store, ticket warrants checked like query warrants (refused outright when the
    node runs without warrant checks: a ticket changes data), repair notices checked against the federation CA."""
    from adapters.answer_verify import AnswerVerifier
    from adapters.broker_jwks import BrokerJwks
    from adapters.ticket_service import TicketDesk
    from adapters.ticket_warrant_check import TicketWarrantCheck
    from adapters.tickets import TicketStore

    store = await TicketStore.open(db_url, region, due_working_days=staff.due_working_days)
    warrants: Any
    if trust.broker_jwks is None:
        warrants = _NoTickets()
    else:
        jwks = await BrokerJwks.load(trust.broker_jwks)
        warrants = TicketWarrantCheck(store.engine, jwks, region, issuers=trust.broker_issuers)
    notices = None if tls is None else AnswerVerifier(tls.ca_certificates)
    return TicketDesk(store, warrants, signer, notices)


class _NoTickets:
    async def verify(self, token: bytes, subject: object, **claims: str) -> None:
        from adapters.server import WarrantRejected

        raise WarrantRejected("this node runs without warrant checks and takes no tickets")


async def _verifier(region: Region, db_url: str, broker_jwks: str | None, issuers: Sequence[str]) -> WarrantVerifier:
    if broker_jwks is None:
        log.warning(
            "node %s: INSECURE, queries are answered WITHOUT checking warrants (development only)", region.value
        )
        return NoWarrantCheck()
    from adapters.broker_jwks import BrokerJwks
    from adapters.warrant_check import WarrantCheck

    jwks = await BrokerJwks.load(broker_jwks)
    log.info(
        "node %s: warrants checked against the broker's keys from %s, issuer(s) %s",
        region.value, broker_jwks, ", ".join(issuers),
    )  # fmt: skip
    return await WarrantCheck.open(db_url, region, jwks, issuers=issuers)


async def _serve(
    region: Region,
    db_url: str,
    host: str,
    port: int,
    latency_ms: float,
    trust: Trust,
    tls: TlsMaterial | None,
    signer: AnswerSigner | None,
    ports: _Ports = _Ports(),
    staff: StaffOptions | None = None,
    covered_domains: tuple[str, ...] = (),
) -> int:
    staff = staff or StaffOptions()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    store = await SqlRecordStore.open(db_url, region)
    register = await SqlSubjectRegister.open(db_url, region)
    lists = await SqlSubjectLists.open(db_url, region)
    verifier: WarrantVerifier | None = None
    desk: TicketDesk | None = None
    staff_runner: web.AppRunner | None = None
    try:
        verifier = await _verifier(region, db_url, trust.broker_jwks, trust.broker_issuers)
        desk = await _ticket_desk(region, db_url, trust, tls, signer, staff)
        confirmations = None
        if staff.seal_dir is not None:
            confirmations = ConfirmationStore(
                desk.store.engine, region, SealKeys(staff.seal_dir), working_days=staff.confirm_working_days
            )
            await confirmations.create_tables()
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = NodeConfig(region, latency_ms=latency_ms, covered_domains=covered_domains)
        metrics = NodeMetrics()
        health_service = health_aio.HealthServicer()
        try:
            server, bound = await create_server(
                address, store, config, tls=tls, insecure=tls is None, verifier=verifier, signer=signer,
                register=register, tickets=desk, metrics=metrics, health=health_service,
                lists=lists, confirmations=confirmations,
            )  # fmt: skip
        except RuntimeError as exc:  # grpc's "Failed to bind": the port is taken (it is never shared)
            raise OSError(f"{address}: cannot listen ({exc})") from None
        shown = f"[{host}]" if ":" in host else host
        mode = "PLAINTEXT" if tls is None else f"mTLS as {tls.source.cert}"
        log.info("node %s listening on %s:%d (%s)", region.value, shown, bound, mode)
        listen_host = address.rsplit(":", 1)[0]
        health = None if ports.health is None else await HealthPort.start(f"{listen_host}:{ports.health}")
        if ports.metrics is not None:
            metrics.serve(host, ports.metrics)
            log.info("node %s metrics on http://%s:%d/metrics", region.value, shown, ports.metrics)
        if staff.port is not None:
            staff_runner = await _start_staff(desk, store, host, staff.port, confirmations)
            log.info("node %s staff page on http://%s:%d/", region.value, shown, staff.port)
        try:
            await stop.wait()
            log.info("node %s stopping", region.value)
        finally:
            # NOT_SERVING first: brokers watching the replica's health stop sending it calls, then it stops.
            await health_service.enter_graceful_shutdown()
            if health is not None:
                await health.stop(GRACE_SECONDS)
            await server.stop(GRACE_SECONDS)
    finally:
        if staff_runner is not None:
            await staff_runner.cleanup()
        if desk is not None:
            await desk.store.close()
        close = getattr(verifier, "close", None)
        if close is not None:
            await close()
        await lists.close()
        await register.close()
        await store.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("node %s stopped", region.value)
    return 0


async def _start_staff(
    desk: TicketDesk, store: SqlRecordStore, host: str, port: int, confirmations: ConfirmationStore | None
) -> web.AppRunner:
    from adapters.staff.accounts import StaffAccounts
    from adapters.staff.app import create_staff_app

    app = create_staff_app(desk.store, StaffAccounts(desk.store.engine), store.count, confirmations)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
