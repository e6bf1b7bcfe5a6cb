"""``jjj-adapter serve --health-port``: plaintext grpc.health.v1 for Kubernetes' gRPC probe, and nothing else."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from adapters.health_port import SERVICE, HealthPort
from tests.adapters.test_cli import ROOT
from tests.conftest import free_port


async def _status(port: int, service: str = "") -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)  # type: ignore[no-untyped-call]
        answer = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        return int(answer.status)


async def test_serving_then_not_serving_before_the_port_closes() -> None:
    health = await HealthPort.start("127.0.0.1:0")
    assert await _status(health.port) == health_pb2.HealthCheckResponse.SERVING
    assert await _status(health.port, SERVICE) == health_pb2.HealthCheckResponse.SERVING
    async with grpc.aio.insecure_channel(f"127.0.0.1:{health.port}") as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(  # type: ignore[no-untyped-call]
            health_pb2.HealthCheckRequest(service=""), timeout=10
        )
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
        stopping = asyncio.create_task(health.stop(grace=2))
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
        await stopping


async def test_a_node_process_answers_health_in_plaintext_and_no_query_there(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    port, health_port = free_port(), free_port()
    node = subprocess.Popen(  # noqa: ASYNC220 - started once, then polled without blocking
        [sys.executable, "-m", "adapters", "serve", "--region", "hebei", "--db", db, "--port", str(port),
         "--health-port", str(health_port), "--insecure", "--insecure-no-warrant-check"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert await _status(health_port, SERVICE) == health_pb2.HealthCheckResponse.SERVING
                break
            except grpc.aio.AioRpcError:
                assert node.poll() is None
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{health_port}") as channel:
            describe = channel.unary_unary(f"/{SERVICE}/Describe")
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await describe(b"", timeout=5)
            assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED
    finally:
        node.terminate()
        node.wait(timeout=20)
