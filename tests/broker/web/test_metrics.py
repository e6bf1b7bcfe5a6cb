"""broker.web.metrics on the real app over real nodes and Redis: per-region outcomes and latency, the breaker's
state, reports by edition and completeness; and one JSON-ready log line per report request, subject masked."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from merge.identifiers import parse_subject
from merge.regions import Region
from tests.broker.conftest import ENTERPRISE, Nodes, sign_in
from tests.broker.reports.test_service import GOOD, Factory


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_a_region_down_is_counted_its_breaker_opens_and_reports_say_incomplete(
    broker_factory: Factory, nodes: Nodes, caplog: pytest.LogCaptureFixture
) -> None:
    client = await broker_factory(breaker_failures=2, breaker_cooldown_s=60)
    csrf = await sign_in(client)
    assert (await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf})).status == 200
    await nodes.stop(Region.HEBEI)
    caplog.clear()  # only the three reports below (another test may have set the root logger to INFO already)
    with caplog.at_level(logging.INFO, logger="jjj.broker"):
        for _ in range(3):
            response = await client.post(
                "/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf, "X-Request-Id": "metrics-test-1"}
            )
            assert response.status == 200
            assert (await response.json())["complete"] is False

    got = samples(await (await client.get("/metrics")).text())
    assert got[("jjj_region_calls_total", (("region", "hebei"), ("status", "answered")))] == 1
    assert got[("jjj_region_calls_total", (("region", "hebei"), ("status", "unavailable")))] == 3
    assert got[("jjj_region_calls_total", (("region", "beijing"), ("status", "answered")))] == 4
    assert got[("jjj_region_call_seconds_count", (("region", "tianjin"), ("status", "answered")))] == 4
    assert got[("jjj_region_breaker_state", (("region", "hebei"),))] == 2  # open after two failures
    assert got[("jjj_region_breaker_state", (("region", "beijing"),))] == 0
    assert got[("jjj_reports_total", (("edition", "standard"), ("outcome", "complete")))] == 1
    assert got[("jjj_reports_total", (("edition", "standard"), ("outcome", "incomplete")))] == 3

    lines = [r for r in caplog.records if r.name == "jjj.broker.reports.requests"]
    assert len(lines) == 3
    assert {r.__dict__["request_id"] for r in lines} == {"metrics-test-1"}
    assert {r.__dict__["subject"] for r in lines} == {parse_subject(ENTERPRISE).masked}
    assert all("130000:unavailable" in r.__dict__["regions"] for r in lines)
    breaker_lines = [r for r in caplog.records if r.name == "jjj.broker.breakers" and r.__dict__.get("region")]
    assert any(r.__dict__.get("status") == "unavailable" and r.__dict__["region"] == "hebei" for r in breaker_lines)
