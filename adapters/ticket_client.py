"""The broker's client of the nodes' ticket RPCs (``FileTicket``, ``GetTickets``, ``ApplyRepairNotice``).

A channel of its own per region (same mTLS material and target-name override as :class:`adapters.client.AdapterClient`,
which is the query path's and tuned for it); ticket calls are rare. gRPC failures become :class:`TicketCallFailed`
carrying the status code's name and the node's message (which never holds record content).
"""

from __future__ import annotations

import grpc

from adapters.channel_config import region_channel
from adapters.convert import SERVICE_NAME
from adapters.tls_material import TlsMaterial
from merge.regions import Region
from protos.credit.v2 import adapter_pb2

_METHOD = f"/{SERVICE_NAME}/"
_OPTIONS = (("grpc.max_send_message_length", 8 * 1024 * 1024),)


class TicketCallFailed(Exception):
    def __init__(self, region: Region, code: str, message: str) -> None:
        super().__init__(f"{region.value}: {code}: {message}")
        self.region = region
        self.code = code
        self.message = message


class TicketClient:
    def __init__(self, region: Region, target: str, *, tls: TlsMaterial | None = None, insecure: bool = False) -> None:
        if (tls is None) == (not insecure):
            raise ValueError("tls: give the broker's TLS material, or insecure=True for plaintext (development only)")
        self.region = region
        self._channel = region_channel(region, target, tls, _OPTIONS)
        self._file = self._channel.unary_unary(
            _METHOD + "FileTicket",
            request_serializer=adapter_pb2.FileTicketRequest.SerializeToString,
            response_deserializer=adapter_pb2.TicketInfo.FromString,
        )
        self._get = self._channel.unary_unary(
            _METHOD + "GetTickets",
            request_serializer=adapter_pb2.GetTicketsRequest.SerializeToString,
            response_deserializer=adapter_pb2.GetTicketsResponse.FromString,
        )
        self._apply = self._channel.unary_unary(
            _METHOD + "ApplyRepairNotice",
            request_serializer=adapter_pb2.ApplyRepairNoticeRequest.SerializeToString,
            response_deserializer=adapter_pb2.ApplyRepairNoticeResponse.FromString,
        )

    async def close(self) -> None:
        await self._channel.close(grace=None)

    async def file(self, request: adapter_pb2.FileTicketRequest, *, timeout: float) -> adapter_pb2.TicketInfo:
        try:
            info: adapter_pb2.TicketInfo = await self._file(request, timeout=timeout)
            return info
        except grpc.aio.AioRpcError as exc:
            raise self._failed(exc) from None

    async def get(self, request: adapter_pb2.GetTicketsRequest, *, timeout: float) -> adapter_pb2.GetTicketsResponse:
        try:
            answer: adapter_pb2.GetTicketsResponse = await self._get(request, timeout=timeout)
            return answer
        except grpc.aio.AioRpcError as exc:
            raise self._failed(exc) from None

    async def apply(self, notice: adapter_pb2.RepairNotice, *, request_id: str, timeout: float) -> int:
        try:
            answer = await self._apply(
                adapter_pb2.ApplyRepairNoticeRequest(notice=notice, request_id=request_id), timeout=timeout
            )
        except grpc.aio.AioRpcError as exc:
            raise self._failed(exc) from None
        return int(answer.applied)

    def _failed(self, exc: grpc.aio.AioRpcError) -> TicketCallFailed:
        return TicketCallFailed(self.region, exc.code().name, (exc.details() or "")[:200])
