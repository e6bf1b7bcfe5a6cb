"""The regional node's gRPC server: ``jjj.credit.v2.RegionAdapter`` plus health and reflection.

Contracts:

* ``QueryRecords`` validates the request (``INVALID_ARGUMENT`` naming the field, resident IDs masked), checks
  the warrant through the :class:`WarrantVerifier` seam (``PERMISSION_DENIED`` when rejected), then builds the
  answer document (:mod:`merge.answer_document`: the subject as the region registers it, the records, their
  summary, the query it answers), signs it with the region's answer-signing key (:mod:`adapters.answer_signing`)
  and answers both in one message (unary: the document is whole before it is signed, and a stream's extra
  messages cost gRPC CPU on both sides).
* Minimise at the source (invariant 4): only records the edition shows (:func:`merge.edition_rules.shows` with
  ``as_of = window_to``) in domains this node covers ever leave the node, and every full resident ID in them is
  masked before signing (:mod:`adapters.node_answer` builds and signs the answer): the broker can no longer
  change a signed part.
* A cancelled call or a passed deadline stops the database read at once: grpc cancels the handler task and the
  record iterator is closed.
* One log line per query: request id, masked subject, edition, count, milliseconds (also as JSON fields). Never
  record content, and never a database error's text (it can quote the query's parameters, i.e. a full resident ID).
  The request id is the broker's ``x-request-id`` metadata (else the request's field); it is sent back in the
  trailing metadata, so both sides' lines join on it. With :class:`~adapters.metrics.NodeMetrics` each query is
  also counted (latency by outcome, warrant refusals, rows read).

* Over mTLS (the default; :mod:`adapters.server_tls`) ``Describe`` and ``QueryRecords`` answer only a caller
  whose certificate names the broker (``PERMISSION_DENIED`` otherwise). Plaintext needs ``insecure=True``.

The server depends on a :class:`RecordSource`, not on SQL: :class:`adapters.store.SqlRecordStore` is one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

import grpc
from grpc_health.v1 import _async as health_aio  # grpc.aio HealthServicer; grpc-stubs only types the sync one
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from adapters.answer_signing import AnswerSigner
from adapters.channel_config import REFUSAL_METADATA, REFUSAL_NOT_LISTED, REQUEST_ID_METADATA
from adapters.confirmations import ConfirmationRefused, ConfirmationStore
from adapters.convert import (
    EDITION_TO_PROTO,
    PROTOCOL_VERSION,
    REQUEST_ID,
    SERVICE_NAME,
    EditionUnavailable,
    InvalidRequest,
    QueryScope,
    query_scope_from_proto,
    timestamp_from_datetime,
)
from adapters.metrics import CountedSource, NodeMetrics
from adapters.node_answer import AnswerMaker
from adapters.server_tls import SERVER_OPTIONS, broker_peer_refusal, server_credentials
from adapters.subject_lists import SubjectLists, list_refusal
from adapters.subject_register import RegisteredSubject
from adapters.tls_material import TlsMaterial
from merge.domains import DEFAULT_COVERAGE, DOMAIN_BY_CODE, domain_name
from merge.edition_rules import AnyRecord
from merge.identifiers import Subject, mask_resident_id
from merge.regions import Region
from protos.credit.v2 import adapter_pb2, adapter_pb2_grpc

if TYPE_CHECKING:
    from adapters.ticket_service import TicketDesk

log = logging.getLogger(__name__)


class RecordSource(Protocol):
    """Where a node reads its records (the SQL store, in production and in tests)."""

    def query(self, subject: Subject, window_from: date, window_to: date) -> AsyncIterator[AnyRecord]:
        """The subject's records in the window, streamed in a stable order; closable early (``aclose``)."""
        ...

    async def data_as_of(self) -> datetime:
        """When the data was last brought up to date (timezone-aware)."""
        ...


class SubjectRegister(Protocol):
    """The subjects the region has registered (:class:`adapters.subject_register.SqlSubjectRegister`)."""

    async def lookup(self, subject: Subject) -> RegisteredSubject | None: ...


class NoRegister:
    """A node without a register: every subject is named as its records name it."""

    async def lookup(self, subject: Subject) -> RegisteredSubject | None:
        return None


# ---- consent seam -----------------------------------------------------------------------------------------


class WarrantRejected(Exception):
    """The warrant does not authorise the query; the message is a short reason, sent to the caller."""


class WarrantVerifier(Protocol):
    """SEAM for invariant 3 (consent before every query): return if ``warrant`` covers ``scope``, else raise
    :class:`WarrantRejected`. The consent issue supplies the verifying implementation."""

    async def verify(self, warrant: bytes, scope: QueryScope) -> None: ...


class NoWarrantCheck:
    """Accepts every warrant, including an empty one. The default until warrant verification lands."""

    async def verify(self, warrant: bytes, scope: QueryScope) -> None:
        return None


# ---- configuration -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """A node's settings. ``covered_domains=()`` means the region's default coverage.

    ``latency_ms`` is an injected service delay (benchmarks, deadline tests); 0 in production.
    """

    region: Region
    covered_domains: tuple[str, ...] = ()
    latency_ms: float = 0.0

    def __post_init__(self) -> None:
        if not self.covered_domains:
            object.__setattr__(self, "covered_domains", DEFAULT_COVERAGE[self.region])
        unknown = [code for code in self.covered_domains if code not in DOMAIN_BY_CODE]
        if unknown:
            raise ValueError(f"covered_domains: not in the shared catalogue: {', '.join(unknown)}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms: must not be negative")


# ---- the service ------------------------------------------------------------------------------------------


class RegionAdapterService(adapter_pb2_grpc.RegionAdapterServicer):
    """``RegionAdapter`` over one :class:`RecordSource`."""

    def __init__(
        self,
        source: RecordSource,
        config: NodeConfig,
        verifier: WarrantVerifier,
        signer: AnswerSigner | None,
        register: SubjectRegister,
        *,
        check_peer: bool = True,
        tickets: TicketDesk | None = None,
        metrics: NodeMetrics | None = None,
        lists: SubjectLists | None = None,
        confirmations: ConfirmationStore | None = None,
    ) -> None:
        self._confirming = confirmations is not None
        self._lists = lists  # an edition restricted to a list (the financial edition) is refused without it
        self._tickets = tickets  # None: the ticket RPCs answer UNIMPLEMENTED
        self._metrics = metrics
        if metrics is not None:
            source = CountedSource(source, metrics)
        self._source = source
        self._config = config
        self._verifier = verifier
        self._signer = signer  # None: answers go unsigned, and the broker refuses them (development only)
        self._answers = AnswerMaker(source, config.region, config.covered_domains, signer, register, confirmations)
        self._check_peer = check_peer  # False only when serving plaintext, where no peer can be identified

    def _peer_refusal(self, context: grpc.aio.ServicerContext[Any, Any]) -> str | None:
        """Why the caller may not use the service (it is not the broker), or ``None``; refusals are logged."""
        refusal = broker_peer_refusal(context) if self._check_peer else None
        if refusal is not None:
            log.warning("call refused from %s: %s", context.peer(), refusal)
        return refusal

    async def Describe(
        self,
        request: adapter_pb2.DescribeRequest,
        context: grpc.aio.ServicerContext[adapter_pb2.DescribeRequest, adapter_pb2.DescribeResponse],
    ) -> adapter_pb2.DescribeResponse:
        if (refusal := self._peer_refusal(context)) is not None:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, refusal)
        region = self._config.region
        return adapter_pb2.DescribeResponse(
            region_code=region.code,
            region_name=region.display_name,
            protocol_version=PROTOCOL_VERSION,
            domains=[adapter_pb2.Domain(code=c, name=domain_name(c)) for c in self._config.covered_domains],
            editions=list(EDITION_TO_PROTO.values()),
            data_as_of=timestamp_from_datetime(await self._source.data_as_of()),
            answer_certificate=b"" if self._signer is None else self._signer.certificate,
        )

    async def QueryRecords(
        self,
        request: adapter_pb2.QueryRecordsRequest,
        context: grpc.aio.ServicerContext[adapter_pb2.QueryRecordsRequest, adapter_pb2.Answer],
    ) -> adapter_pb2.Answer:
        started = time.perf_counter()
        request_id = _request_id(request, context)
        context.set_trailing_metadata(((REQUEST_ID_METADATA, request_id),))
        subject_log, edition_log, outcome = mask_resident_id(request.subject_id), "-", "error"
        count = 0
        try:
            if (refusal := self._peer_refusal(context)) is not None:
                outcome = "refused"
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, refusal)
            try:
                scope = query_scope_from_proto(request, self._config.region)
            except EditionUnavailable as exc:
                outcome = "refused"
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(exc))
            except InvalidRequest as exc:
                outcome = "invalid"
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            subject_log, edition_log = scope.subject.masked, scope.edition.value
            restricted = scope.edition.spec.subject_list
            if restricted is not None and (refusal := await list_refusal(self._lists, restricted, scope.subject)):
                outcome = "refused"
                # Stated in machine form too: a broker told so by every region issues nothing (a 4xx, not a report).
                await context.abort(
                    grpc.StatusCode.PERMISSION_DENIED, refusal,
                    trailing_metadata=((REQUEST_ID_METADATA, request_id), (REFUSAL_METADATA, REFUSAL_NOT_LISTED)),
                )  # fmt: skip
            if scope.confirmation_ref and not self._confirming:
                outcome = "refused"
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, "this node takes no department confirmations")
            try:
                await self._verifier.verify(request.warrant, scope)
            except WarrantRejected as exc:
                outcome = "refused"
                if self._metrics is not None:
                    self._metrics.warrant_refusals.inc()
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"warrant: {exc}")
            if self._config.latency_ms > 0:
                await asyncio.sleep(self._config.latency_ms / 1000)
            try:
                document, signature, count = await self._answers.make(scope, request.warrant)
            except ConfirmationRefused as exc:
                outcome = "refused"
                await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(exc))
            outcome = "ok"
            return adapter_pb2.Answer(
                document=document,
                signature=adapter_pb2.AnswerSignature(
                    scheme=signature.scheme, signature=signature.signature, certificate=signature.certificate
                ),
            )
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception as exc:
            if outcome in ("invalid", "refused"):
                raise  # the abort raised above
            # Type only: a database error's text may quote the subject identifier.
            log.error("query %s failed: %s", request_id, type(exc).__name__)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")
        finally:
            ms = (time.perf_counter() - started) * 1000
            if self._metrics is not None:
                self._metrics.query_seconds.labels(outcome).observe(ms / 1000)
                self._metrics.records_answered.inc(count)
            log.info(
                "query request_id=%s subject=%s edition=%s outcome=%s count=%d ms=%.1f",
                request_id, subject_log, edition_log, outcome, count, ms,
                extra={"request_id": request_id, "region": self._config.region.value, "subject": subject_log,
                       "edition": edition_log, "outcome": outcome, "count": count, "ms": round(ms, 1)},
            )  # fmt: skip

    async def _ticket_desk(self, context: grpc.aio.ServicerContext[Any, Any]) -> TicketDesk:
        if (refusal := self._peer_refusal(context)) is not None:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, refusal)
        if self._tickets is None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "this node takes no tickets")
        assert self._tickets is not None
        return self._tickets

    async def FileTicket(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return await (await self._ticket_desk(context)).file(request, context)

    async def GetTickets(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return await (await self._ticket_desk(context)).get(request, context)

    async def ApplyRepairNotice(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return await (await self._ticket_desk(context)).apply(request, context)


def _request_id(request: adapter_pb2.QueryRecordsRequest, context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """The broker's request id: its metadata, else the request's field; ``-`` when neither is a plain id."""
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_METADATA and isinstance(value, str) and REQUEST_ID.fullmatch(value):
            return value
    return request.request_id if REQUEST_ID.fullmatch(request.request_id) else "-"


async def create_server(
    address: str,
    source: RecordSource,
    config: NodeConfig,
    *,
    tls: TlsMaterial | None = None,
    insecure: bool = False,
    verifier: WarrantVerifier | None = None,
    signer: AnswerSigner | None = None,
    register: SubjectRegister | None = None,
    tickets: TicketDesk | None = None,
    metrics: NodeMetrics | None = None,
    health: health_aio.HealthServicer | None = None,
    lists: SubjectLists | None = None,
    confirmations: ConfirmationStore | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Bind ``address`` (``host:port``, port 0 for any free port), start serving, return the server and port.

    Serves ``RegionAdapter``, ``grpc.health.v1.Health`` (SERVING for "" and for the service) and server
    reflection, over mTLS with ``tls`` (from :func:`adapters.tls_material.load_node_tls`), or over plaintext only
    when ``insecure=True`` is given instead (development; logged as a warning). Answers are signed by ``signer``
    (without one they go unsigned, and a broker refuses them: development only, logged). The port is never shared
    (``SO_REUSEPORT`` off): binding a port another process holds fails. The caller stops it with
    ``await server.stop(grace)``; a caller that passes ``health`` says ``NOT_SERVING`` with it first
    (``enter_graceful_shutdown``), so brokers balancing over replicas stop sending calls before the port closes.
    ``metrics`` counts every query (:mod:`adapters.metrics`).
    """
    if (tls is None) == (not insecure):
        raise ValueError("tls: give the node's TLS material, or insecure=True for plaintext (development only)")
    server = grpc.aio.server(options=SERVER_OPTIONS)
    if signer is None:
        log.warning("node %s: answers are NOT SIGNED: brokers will refuse them (development only)", config.region.value)
    service = RegionAdapterService(
        source,
        config,
        verifier or NoWarrantCheck(),
        signer,
        register or NoRegister(),
        check_peer=tls is not None,
        tickets=tickets,
        metrics=metrics,
        lists=lists,
        confirmations=confirmations,
    )
    adapter_pb2_grpc.add_RegionAdapterServicer_to_server(service, server)  # type: ignore[no-untyped-call]
    health = health if health is not None else health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    for name in ("", SERVICE_NAME):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
        server,
    )
    if tls is None:
        log.warning("node %s: INSECURE, serving PLAINTEXT gRPC on %s (development only)", config.region.value, address)
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, server_credentials(tls))
    await server.start()
    return server, port
