"""GET /healthz and GET /openapi.json, and JSON errors for unknown endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from merge.regions import Region
from tests.broker.conftest import Nodes

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


async def test_health_reports_each_region(broker_factory: Factory, nodes: Nodes) -> None:
    client = await broker_factory()
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["store"] == "ok"
    assert [r["health"] for r in body["regions"]] == ["SERVING"] * 3

    await nodes.stop(Region.TIANJIN)
    body = await (await client.get("/healthz")).json()
    assert body["status"] == "degraded"
    tianjin = next(r for r in body["regions"] if r["code"] == "120000")
    assert tianjin["health"] != "SERVING"


async def test_openapi_describes_every_endpoint(broker_factory: Factory) -> None:
    client = await broker_factory()
    spec = await (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    routes = {
        (method.upper(), resource.canonical)
        for resource in client.app.router.resources()
        for method in {route.method for route in resource}
        if method != "HEAD"
    }
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert routes == documented
    request_schema = spec["components"]["schemas"]["ReportRequestBody"]
    assert set(request_schema["properties"]) == {"subject", "edition", "window_years", "purpose"}
    assert "Report" in spec["components"]["schemas"]


async def test_unknown_endpoint_is_json_404(broker_factory: Factory) -> None:
    client = await broker_factory()
    response = await client.get("/nope")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_health_says_starting_until_the_pdf_workers_are_warm(broker_factory: Factory) -> None:
    client = await broker_factory(pdf_prewarm=True, pdf_workers=1)
    seen: list[tuple[str, str]] = []
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        body = await (await client.get("/healthz")).json()
        seen.append((body["status"], body["pdf"]["state"]))
        if body["pdf"]["state"] != "warming":
            break
        await asyncio.sleep(0.05)
    # Never "ok" while a PDF would still wait for its worker; "ok" once it would not.
    assert all(status == "starting" for status, state in seen if state == "warming")
    assert seen[-1] == ("ok", "ready"), seen
    assert body["pdf"] == {"state": "ready", "workers": 1}


async def test_health_without_prewarm_is_ok_and_says_workers_start_on_demand(broker_factory: Factory) -> None:
    client = await broker_factory()
    body = await (await client.get("/healthz")).json()
    assert body["status"] == "ok"
    assert body["pdf"] == {"state": "on_demand", "workers": 2}


async def test_live_and_ready(broker_factory: Factory, nodes: Nodes) -> None:
    client = await broker_factory()
    assert (await client.get("/healthz/live")).status == 200
    ready = await client.get("/healthz/ready")
    assert ready.status == 200
    assert (await ready.json())["status"] == "ready"
    # A region down leaves the replica ready: every replica sees the same region, and reports say so.
    await nodes.stop(Region.HEBEI)
    assert (await client.get("/healthz/ready")).status == 200


async def test_not_ready_without_its_store(broker_factory: Factory) -> None:
    client = await broker_factory(redis_url="redis://127.0.0.1:1/0")
    ready = await client.get("/healthz/ready")
    assert ready.status == 503
    assert "store unavailable" in (await ready.json())["reasons"]
    assert (await client.get("/healthz/live")).status == 200


async def test_metrics_count_requests_by_route_template(broker_factory: Factory) -> None:
    client = await broker_factory()
    await client.get("/v1/reports/JJJ-20260101-000001.json", params={"code": "0000-0000-0000-0000-0"})
    await client.get("/healthz/live")
    text = await (await client.get("/metrics")).text()
    assert 'jjj_http_requests_total{method="GET",route="/healthz/live",status="200"} 1.0' in text
    assert 'route="/v1/reports/{report_no}.json"' in text
    assert "JJJ-20260101-000001" not in text  # labels are route templates, never what a client sent
    assert "jjj_http_request_seconds_bucket" in text
