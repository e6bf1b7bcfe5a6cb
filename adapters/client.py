"""The one gRPC client the broker uses to ask a regional node: :class:`AdapterClient`.

One long-lived ``grpc.aio`` channel per region for the process lifetime (DESIGN.md, gRPC conventions), a
``timeout=`` on every call, and gRPC errors translated at this boundary into :mod:`adapters.errors`.

The client never trusts the stream (invariant 1: a region that sent garbage is never reported clean): the
stream is read by :class:`adapters.answer_reader.AnswerReader`, and any violation of the protocol it finds
becomes a :class:`~adapters.errors.RegionError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import grpc
from grpc_health.v1 import health_pb2

from adapters.answer_reader import AnswerReader, StreamViolation
from adapters.convert import EDITION_TO_PROTO, SERVICE_NAME, SUBJECT_KIND_TO_PROTO
from adapters.errors import (
    RegionError,
    RegionFailure,
    RegionRefused,
    RegionTimeout,
    RegionUnavailable,
)
from merge.answers import RegionAnswer
from merge.editions import Edition
from merge.identifiers import Subject
from merge.regions import Region
from protos.credit.v1 import adapter_pb2

_METHOD = f"/{SERVICE_NAME}/"
_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_CHANNEL_OPTIONS = (
    ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
    # A node that was down should be retried within seconds, not after gRPC's default 2-minute backoff cap.
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5000),
)
_REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class RegionQuery:
    """One consented query for one region. ``warrant`` is the broker-signed proof of consent (opaque here)."""

    subject: Subject
    edition: Edition
    window_from: date
    window_to: date
    request_id: str
    warrant: bytes = b""


def _translate(region: Region, exc: grpc.aio.AioRpcError, latency_ms: float) -> RegionFailure:
    code = exc.code()
    reason = f"{code.name}: {exc.details() or ''}"[:_REASON_MAX]
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return RegionTimeout(region, reason, latency_ms=latency_ms)
    if code is grpc.StatusCode.UNAVAILABLE:
        return RegionUnavailable(region, reason, latency_ms=latency_ms)
    if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
        return RegionRefused(region, reason, latency_ms=latency_ms)
    return RegionError(region, reason, latency_ms=latency_ms)


class AdapterClient:
    """Client of one region's node at ``target`` (``host:port``). Create it inside the running event loop."""

    def __init__(self, region: Region, target: str, *, page_size: int = 500) -> None:
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size: must be between 1 and 1000")
        self.region = region
        self.target = target
        self.page_size = page_size
        self._channel = grpc.aio.insecure_channel(target, options=_CHANNEL_OPTIONS)
        self._query = self._channel.unary_stream(
            _METHOD + "QueryRecords",
            request_serializer=adapter_pb2.QueryRecordsRequest.SerializeToString,
            response_deserializer=adapter_pb2.QueryRecordsResponse.FromString,
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
            edition=EDITION_TO_PROTO[query.edition],
            window_from=query.window_from.isoformat(),
            window_to=query.window_to.isoformat(),
            request_id=query.request_id,
            warrant=query.warrant,
            page_size=self.page_size,
        )
        started = time.perf_counter()
        try:
            answer = await self._receive(request, timeout)
        except grpc.aio.AioRpcError as exc:
            raise _translate(self.region, exc, _elapsed_ms(started)) from None
        except StreamViolation as exc:
            raise RegionError(self.region, str(exc), latency_ms=_elapsed_ms(started)) from None
        return answer.model_copy(update={"latency_ms": _elapsed_ms(started)})

    async def _receive(self, request: adapter_pb2.QueryRecordsRequest, deadline_s: float) -> RegionAnswer:
        reader = AnswerReader(self.region)
        call = self._query(request, timeout=deadline_s)
        try:
            async for response in call:
                reader.add(response)
        except StreamViolation:
            call.cancel()
            raise
        return reader.answer()

    async def describe(self, *, timeout: float) -> adapter_pb2.DescribeResponse:
        """The node's self-description; raises a RegionFailure subclass when it cannot be had."""
        started = time.perf_counter()
        try:
            response: adapter_pb2.DescribeResponse = await self._describe(
                adapter_pb2.DescribeRequest(), timeout=timeout
            )
            return response
        except grpc.aio.AioRpcError as exc:
            raise _translate(self.region, exc, _elapsed_ms(started)) from None

    async def health(self, *, timeout: float, service: str = SERVICE_NAME) -> str:
        """The ``grpc.health.v1`` status name (``SERVING``, ``NOT_SERVING`` …), ``TIMEOUT`` when the check
        ran out of time, or ``UNREACHABLE`` for any other failure (node down, health service missing)."""
        try:
            response = await self._health(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            return "TIMEOUT" if exc.code() is grpc.StatusCode.DEADLINE_EXCEEDED else "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
