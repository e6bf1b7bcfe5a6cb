"""The one gRPC client the broker uses to ask a regional node: :class:`AdapterClient`.

One long-lived ``grpc.aio`` channel per region for the process lifetime (DESIGN.md, gRPC conventions), a
``timeout=`` on every call, and gRPC errors translated at this boundary into :mod:`adapters.errors`.

The client never trusts the stream (invariant 1: a region that sent garbage, or whose answer cannot be
authenticated, is never reported clean): the stream is read by :class:`adapters.answer_reader.AnswerReader`; a
signature that does not hold, a signed document about another query, a document that breaks its schema or its own
summary, or a stream that breaks the protocol becomes :class:`~adapters.errors.RegionRefused` (status
``refused``, with the reason).

Over mTLS (the default; issue 10) the channel presents the broker's certificate, trusts only the federation CA,
and asks gRPC to check the server name ``region-<code>.jjj.internal`` (:func:`adapters.identity.region_dns`),
so a valid certificate of another region fails the handshake. A failed handshake reaches us as ``UNAVAILABLE``,
like a node that is down; :class:`adapters.tls_probe.IdentityProbe` tells the two apart, and an identity
failure becomes :class:`~adapters.errors.RegionRefused` (status ``refused``) with the reason (``TLS identity:
certificate names region 120000, expected 110000``). Plaintext needs ``insecure=True`` (development only).

The channel's keepalive, round robin over a region's replicas and their health checking are
:mod:`adapters.channel_config`'s; retrying a call that met ``UNAVAILABLE`` is not the channel's (it would resend a
warrant a replica may have spent) but :class:`broker.reports.retries.RetryingFetcher`'s, with a fresh warrant.
A target naming several replicas (``ipv4:a:1,b:2``) is probed replica by replica when a call failed
``UNAVAILABLE``: any replica answering with the wrong identity makes the region ``refused``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, cast

import grpc
from grpc_health.v1 import health_pb2

from adapters.answer_reader import AnswerReader, Asked, ProtocolViolation, QueryMismatch
from adapters.answer_verify import AnswerUnauthenticated, AnswerVerifier
from adapters.channel_config import (
    REFUSAL_METADATA,
    REQUEST_ID_METADATA,
    client_options,
    region_channel,
    target_addresses,
)
from adapters.convert import SERVICE_NAME, SUBJECT_KIND_TO_PROTO, edition_to_proto
from adapters.errors import (
    RegionError,
    RegionFailure,
    RegionRefused,
    RegionTimeout,
    RegionUnavailable,
)
from adapters.tls_material import TlsMaterial
from adapters.tls_probe import CACHE_S, IdentityProbe, probe_context
from merge.answer_document import AnswerInvalid
from merge.answers import RegionAnswer
from merge.editions import Edition
from merge.identifiers import Subject
from merge.regions import Region
from protos.credit.v2 import adapter_pb2

_METHOD = f"/{SERVICE_NAME}/"
_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
_REASON_MAX = 200

log = logging.getLogger(__name__)


#: Signs a new single-use warrant for the same query and region: ``(token, jti)``.
WarrantSource = Callable[[], tuple[bytes, str]]


@dataclass(frozen=True, slots=True)
class RegionQuery:
    """One consented query for one region. ``warrant`` is the broker-signed proof of consent (opaque here) and
    ``warrant_id`` its ``jti``, which the region's signed answer must name.

    ``renew_warrant``, when given, signs a fresh warrant for another attempt of the same query: a warrant is
    single-use across a region's replicas, so an attempt after one a replica may have accepted must carry a new
    one (:class:`broker.reports.retries.RetryingFetcher`)."""

    subject: Subject
    edition: Edition
    window_from: date
    window_to: date
    request_id: str
    warrant: bytes = b""
    warrant_id: str = ""
    #: The reserved report number of a report awaiting department confirmation ("" otherwise).
    confirmation_ref: str = ""
    renew_warrant: WarrantSource | None = field(default=None, compare=False, repr=False)

    def with_fresh_warrant(self) -> RegionQuery | None:
        """The same query under a newly signed warrant, or ``None`` when no new one can be had."""
        if self.renew_warrant is None:
            return None
        token, jti = self.renew_warrant()
        return replace(self, warrant=token, warrant_id=jti)


def _translate(region: Region, exc: grpc.aio.AioRpcError, latency_ms: float) -> RegionFailure:
    code = exc.code()
    reason = f"{code.name}: {exc.details() or ''}"[:_REASON_MAX]
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return RegionTimeout(region, reason, latency_ms=latency_ms)
    if code is grpc.StatusCode.UNAVAILABLE:
        return RegionUnavailable(region, reason, latency_ms=latency_ms)
    if code is grpc.StatusCode.CANCELLED:
        # Our own cancellation surfaces as asyncio.CancelledError, never as a status: a CANCELLED status comes from
        # the peer. gRPC-core sends it for calls a stopping server had received but not yet handed to a handler
        # (grpc/grpc#41785) — the node went away, so this is a link fault that another replica can answer, not
        # the node's decision. Seen as one report in ~1,300 with a replica SIGTERMed under load (CI, stop 22).
        return RegionUnavailable(region, reason, latency_ms=latency_ms)
    if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
        # At runtime (key, value) pairs; grpc's stubs type them as an opaque _Metadatum.
        trailers: Iterable[tuple[str, str | bytes]] = cast(Any, exc.trailing_metadata() or ())
        cause = next((v for k, v in trailers if k == REFUSAL_METADATA and isinstance(v, str)), None)
        return RegionRefused(region, reason, latency_ms=latency_ms, cause=cause)
    return RegionError(region, reason, latency_ms=latency_ms)


class AdapterClient:
    """Client of one region's node at ``target`` (``host:port``). Create it inside the running event loop.

    ``tls`` is the broker's material (:func:`adapters.tls_material.load_broker_tls`); plaintext needs
    ``insecure=True`` instead. ``answers`` verifies the regions' signatures (by default against the CA of ``tls``;
    over plaintext it must be given, or every answer is refused). ``probe_cache_s`` is how long an identity
    verdict is reused.
    """

    def __init__(
        self,
        region: Region,
        target: str,
        *,
        tls: TlsMaterial | None = None,
        insecure: bool = False,
        answers: AnswerVerifier | None = None,
        probe_cache_s: float = CACHE_S,
    ) -> None:
        if (tls is None) == (not insecure):
            raise ValueError("tls: give the broker's TLS material, or insecure=True for plaintext (development only)")
        self.region = region
        self.target = target
        if answers is None and tls is not None:
            answers = AnswerVerifier(tls.ca_certificates)
        self._answers = answers
        self._probes: list[IdentityProbe] = []
        options = client_options()
        if tls is None:
            log.warning("region %s: INSECURE, plaintext gRPC to %s (development only)", region.value, target)
        else:
            context = probe_context(tls)
            self._probes = [
                IdentityProbe(region, address, context, cache_s=probe_cache_s) for address in target_addresses(target)
            ]
        self._channel = region_channel(region, target, tls, options)
        self._query = self._channel.unary_unary(
            _METHOD + "QueryRecords",
            request_serializer=adapter_pb2.QueryRecordsRequest.SerializeToString,
            response_deserializer=adapter_pb2.Answer.FromString,
        )
        self._describe = self._channel.unary_unary(
            _METHOD + "Describe",
            request_serializer=adapter_pb2.DescribeRequest.SerializeToString,
            response_deserializer=adapter_pb2.DescribeResponse.FromString,
        )
        self._health = self._channel.unary_unary(
            _HEALTH_CHECK,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )

    async def close(self) -> None:
        await self._channel.close(grace=None)

    async def fetch(self, query: RegionQuery, *, timeout: float) -> RegionAnswer:
        """The region's checked answer, or a :class:`~adapters.errors.RegionFailure` subclass raised.

        ``timeout`` (seconds) bounds the whole stream; give it what remains of the request's deadline.
        """
        request = adapter_pb2.QueryRecordsRequest(
            subject_id=query.subject.identifier,
            subject_kind=SUBJECT_KIND_TO_PROTO[query.subject.kind],
            edition=edition_to_proto(query.edition),
            window_from=query.window_from.isoformat(),
            window_to=query.window_to.isoformat(),
            request_id=query.request_id,
            warrant=query.warrant,
            confirmation_ref=query.confirmation_ref,
        )
        asked = Asked(
            self.region, query.subject, query.edition, query.window_from, query.window_to, query.request_id,
            query.warrant_id, query.confirmation_ref,
        )  # fmt: skip
        started = time.perf_counter()
        try:
            answer = await self._receive(request, asked, timeout)
        except grpc.aio.AioRpcError as exc:
            raise await self._failure(exc, started, timeout) from None
        except (AnswerUnauthenticated, QueryMismatch) as exc:
            reason = f"answer not authenticated: {exc}"[:_REASON_MAX]
            raise RegionRefused(self.region, reason, latency_ms=_elapsed_ms(started)) from None
        except (ProtocolViolation, AnswerInvalid) as exc:
            # Not an answer the region can be held to: refused like an unauthenticated one (never clean).
            raise RegionRefused(
                self.region, f"answer refused: {exc}"[:_REASON_MAX], latency_ms=_elapsed_ms(started)
            ) from None
        return answer.model_copy(update={"latency_ms": _elapsed_ms(started)})

    async def _receive(self, request: adapter_pb2.QueryRecordsRequest, asked: Asked, deadline_s: float) -> RegionAnswer:
        if self._answers is None:
            raise AnswerUnauthenticated("the broker has no federation CA to check region signatures with")
        reader = AnswerReader(asked, self._answers)
        call = self._query(request, timeout=deadline_s, metadata=((REQUEST_ID_METADATA, request.request_id),))
        response: adapter_pb2.Answer = await call
        echoed = dict(await call.trailing_metadata() or ()).get(REQUEST_ID_METADATA)
        if echoed != request.request_id:  # an old node, or a proxy that drops trailers: worth a note, not a refusal
            log.debug("region %s: request id %s not echoed (got %r)", self.region.value, request.request_id, echoed)
        return reader.answer(response)

    async def describe(self, *, timeout: float) -> adapter_pb2.DescribeResponse:
        """The node's self-description; raises a RegionFailure subclass when it cannot be had."""
        started = time.perf_counter()
        try:
            response: adapter_pb2.DescribeResponse = await self._describe(
                adapter_pb2.DescribeRequest(), timeout=timeout
            )
            return response
        except grpc.aio.AioRpcError as exc:
            raise await self._failure(exc, started, timeout) from None

    async def _failure(self, exc: grpc.aio.AioRpcError, started: float, timeout: float) -> RegionFailure:
        """The failure ``exc`` stands for; ``UNAVAILABLE`` over TLS is probed: an identity failure is ``refused``."""
        failure = _translate(self.region, exc, _elapsed_ms(started))
        if not isinstance(failure, RegionUnavailable):
            return failure
        reason = await self._identity_problem(timeout - _elapsed_ms(started) / 1000)
        if reason is None:
            return failure
        return RegionRefused(self.region, f"TLS identity: {reason}"[:_REASON_MAX], latency_ms=_elapsed_ms(started))

    async def _identity_problem(self, timeout: float) -> str | None:
        reasons = await asyncio.gather(*(probe.reason(timeout=timeout) for probe in self._probes))
        return next((reason for reason in reasons if reason is not None), None)

    async def health(self, *, timeout: float, service: str = SERVICE_NAME) -> str:
        """The ``grpc.health.v1`` status name (``SERVING``, ``NOT_SERVING`` …), ``TIMEOUT`` when the check
        ran out of time, ``REFUSED`` when whoever answers is not this region's node (TLS identity), or
        ``UNREACHABLE`` for any other failure (node down, health service missing)."""
        try:
            response = await self._health(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            if exc.code() is grpc.StatusCode.DEADLINE_EXCEEDED:
                return "TIMEOUT"
            if exc.code() is grpc.StatusCode.UNAVAILABLE and await self._identity_problem(timeout) is not None:
                return "REFUSED"
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
