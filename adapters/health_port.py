"""A plaintext port that answers ``grpc.health.v1.Health`` and nothing else: what a Kubernetes gRPC probe dials.

The kubelet's native gRPC probe speaks no TLS, and the node's own port takes only mTLS clients holding a
federation certificate. So ``jjj-adapter serve --health-port N`` opens a second port (off by default) with the
health service alone, ``SERVING`` for ``""`` and for ``jjj.credit.v1.RegionAdapter`` while the node serves, and
``NOT_SERVING`` from the moment it starts to stop. Nothing else is reachable there — no query, no reflection —
and the answer says only whether the node is up.
"""

from __future__ import annotations

import grpc
from grpc_health.v1 import _async as health_aio  # grpc.aio HealthServicer; grpc-stubs only types the sync one
from grpc_health.v1 import health_pb2, health_pb2_grpc

from adapters.convert import SERVICE_NAME as SERVICE


class HealthPort:
    def __init__(self, server: grpc.aio.Server, health: health_aio.HealthServicer, port: int) -> None:
        self._server = server
        self._health = health
        self.port = port

    @classmethod
    async def start(cls, address: str) -> HealthPort:
        """Listen on ``address`` (port 0: any free one) and answer SERVING."""
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        for name in ("", SERVICE):
            await health.set(name, health_pb2.HealthCheckResponse.SERVING)
        port = server.add_insecure_port(address)
        await server.start()
        return cls(server, health, port)

    async def stop(self, grace: float) -> None:
        """Say NOT_SERVING first (a probe then takes the pod out of rotation), then close the port."""
        for name in ("", SERVICE):
            await self._health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self._server.stop(grace)
