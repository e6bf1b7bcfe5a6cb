"""The access log never carries a query string (verification codes arrive as ?code=…)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from broker.web.access_log import PathOnlyAccessLogger


async def test_query_string_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/verify", ok)
    server = TestServer(app)
    await server.start_server(access_log_class=PathOnlyAccessLogger, access_log=logging.getLogger("test.access"))
    async with TestClient(server) as client:
        with caplog.at_level(logging.INFO, logger="test.access"):
            response = await client.get("/verify?code=ABCD-EFGH-JKMN-PQRS-T")
            assert response.status == 200
            await response.read()
            # The access log line is written after the response has been sent.
            for _ in range(50):
                if any(r.name == "test.access" for r in caplog.records):
                    break
                await asyncio.sleep(0.01)
    lines = [r.getMessage() for r in caplog.records if r.name == "test.access"]
    assert any('"GET /verify" 200' in line for line in lines), lines
    assert not any("ABCD" in line for line in lines)
