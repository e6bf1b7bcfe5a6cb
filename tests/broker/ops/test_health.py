"""/healthz and the working-day calendar: from 1 December (Beijing time) a missing coming year is a warning that
leaves the status ok; a year needed now makes it degraded; with no lag configured the calendar is not used."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.app import create_app
from tests.broker.conftest import Nodes, settings_for
from tests.broker.test_calendar import TEST_2027, FixedClock

#: 2026-12-01 00:00 in Beijing is 2026-11-30 16:00 UTC.
DECEMBER_FIRST = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NOVEMBER_LAST = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
TODAY = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


async def health(aiohttp_client: Any, nodes: Nodes, redis_prefix: str, at: datetime, **settings: object) -> Any:
    values = settings_for(nodes, redis_prefix, window_lag_working_days=7).model_copy(update=settings)
    client = await aiohttp_client(create_app(values, clock=FixedClock(at)))
    response = await client.get("/healthz")
    assert response.status == 200
    return await response.json()


@pytest.mark.parametrize("at", [DECEMBER_FIRST, TODAY])
async def test_from_1_december_a_missing_coming_year_warns_and_stays_ok(
    aiohttp_client: Any, nodes: Nodes, redis_prefix: str, at: datetime
) -> None:
    body = await health(aiohttp_client, nodes, redis_prefix, at)
    assert body["status"] == "ok"
    calendar = body["calendar"]
    assert calendar["status"] == "warning"
    assert (calendar["due"], calendar["missing"], calendar["schedule_years"]) == ([2026, 2027], [2027], [])
    assert calendar["package_years"] == [2004, 2026]
    [warning] = body["warnings"]
    assert warning == calendar["message"]
    assert warning.startswith("No working-day calendar for 2027 yet: from January 2027, reports that count a lag")
    assert "JJJ_HOLIDAY_SCHEDULES" in warning


async def test_no_warning_when_a_schedule_covers_the_coming_year(
    aiohttp_client: Any, nodes: Nodes, redis_prefix: str
) -> None:
    body = await health(aiohttp_client, nodes, redis_prefix, TODAY, holiday_schedules=(TEST_2027,))
    assert (body["status"], body["warnings"]) == ("ok", [])
    assert body["calendar"]["status"] == "ok"
    assert (body["calendar"]["schedule_years"], body["calendar"]["missing"]) == ([2027], [])


async def test_no_warning_before_1_december(aiohttp_client: Any, nodes: Nodes, redis_prefix: str) -> None:
    body = await health(aiohttp_client, nodes, redis_prefix, NOVEMBER_LAST)
    assert (body["status"], body["warnings"]) == ("ok", [])
    assert (body["calendar"]["status"], body["calendar"]["due"]) == ("ok", [2026])


async def test_a_year_needed_now_is_degraded(aiohttp_client: Any, nodes: Nodes, redis_prefix: str) -> None:
    body = await health(aiohttp_client, nodes, redis_prefix, datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    assert body["status"] == "degraded"
    assert (body["calendar"]["status"], body["calendar"]["missing"]) == ("missing", [2027])
    assert body["calendar"]["message"].startswith("No working-day calendar for 2027: every report that counts")
    assert body["warnings"] == []  # not a warning: the status itself says it


async def test_without_a_lag_the_calendar_is_not_used(aiohttp_client: Any, nodes: Nodes, redis_prefix: str) -> None:
    body = await health(aiohttp_client, nodes, redis_prefix, TODAY, window_lag_working_days=0)
    assert (body["status"], body["warnings"]) == ("ok", [])
    assert (body["calendar"]["status"], body["calendar"]["missing"]) == ("not_used", [2027])
    assert body["calendar"]["message"] == ""


async def test_the_file_paths_stay_off_the_public_health_answer(
    aiohttp_client: Any, nodes: Nodes, redis_prefix: str
) -> None:
    body = await health(aiohttp_client, nodes, redis_prefix, TODAY, holiday_schedules=(TEST_2027,))
    assert str(Path(TEST_2027).parent) not in str(body)
