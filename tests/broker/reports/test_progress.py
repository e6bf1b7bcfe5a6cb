"""``POST /account/report/stream``: each region's answer as a server-sent event, then the outcome."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from merge.regions import Region
from tests.broker.conftest import CLEAN_ENTERPRISE, ENTERPRISE, Nodes, sign_in

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
FORM = {"edition": "standard", "window_years": "3", "purpose": "bidding", "subject": ENTERPRISE}


def events(body: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


async def test_each_region_then_the_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    response = await client.post("/account/report/stream", data={**FORM, "csrf_token": csrf})
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    seen = events(await response.text())
    assert [name for name, _ in seen] == ["start", "region", "region", "region", "issued"]
    assert {data["code"] for name, data in seen if name == "region"} == {r.code for r in Region}
    assert all(data["state"] == "answered" and "毫秒" in data["label"] for name, data in seen if name == "region")
    issued = seen[-1][1]
    assert issued["complete"] is True
    page = await client.get(issued["url"])
    assert page.status == 200
    assert issued["report_no"] in await page.text()


async def test_a_region_down_issues_nothing_until_accepted(broker_factory: Factory, nodes: Nodes) -> None:
    client = await broker_factory(request_deadline_s=1.0)
    csrf = await sign_in(client, ENTERPRISE)
    await nodes.stop(Region.TIANJIN)
    asked = events(await (await client.post("/account/report/stream", data={**FORM, "csrf_token": csrf})).text())
    name, outcome = asked[-1]
    assert name == "incomplete"
    assert outcome["regions"]["120000"] == "unavailable"
    assert "issued" not in [n for n, _ in asked]
    taken = await client.post("/account/report/stream", data={**FORM, "csrf_token": csrf, "accept_incomplete": "1"})
    name, issued = events(await taken.text())[-1]
    assert name == "issued"
    assert issued["complete"] is False


async def test_a_bad_form_is_refused_before_the_stream_naming_the_field(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    wrong = await client.post("/account/report/stream", data={**FORM, "subject": CLEAN_ENTERPRISE, "csrf_token": csrf})
    assert wrong.status == 403
    assert (await wrong.json())["error"]["field"] == "subject"
    stale = await client.post("/account/report/stream", data={**FORM, "csrf_token": "forged"})
    assert stale.status == 403
