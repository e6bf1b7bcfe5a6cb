"""The broker's working-day calendar end to end: a report in January 2027 with Dongguan's lag of 7 working days
is refused, naming the year and how to load it, until JJJ_HOLIDAY_SCHEDULES names a schedule for 2027."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.app import create_app
from broker.cli.main import main
from broker.clock import SystemClock
from broker.keys import init_keys
from broker.services import open_services
from merge.holiday_schedule import ScheduleError
from tests.broker.conftest import ENTERPRISE, Nodes, free_port, settings_for, sign_in

TEST_2027 = Path(__file__).parents[1] / "merge" / "data" / "holidays-2027-test.toml"
BODY = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


#: Tuesday 2027-01-05, 10:00 in Beijing.
JANUARY_2027 = FixedClock(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))


async def ask(aiohttp_client: Any, nodes: Nodes, redis_prefix: str, **settings: object) -> tuple[int, Any]:
    port = free_port()
    values = settings_for(nodes, redis_prefix, window_lag_working_days=7, public_base_url=f"http://127.0.0.1:{port}")
    app = create_app(values.model_copy(update=settings), clock=JANUARY_2027)
    client = await aiohttp_client(app, server_kwargs={"port": port})
    csrf = await sign_in(client, ENTERPRISE)
    response = await client.post("/v1/reports", json=BODY, headers={"X-CSRF-Token": csrf})
    return response.status, json.loads(await response.read())


async def test_january_2027_with_a_lag_is_refused_naming_the_year_and_the_remedy(
    aiohttp_client: Any, nodes: Nodes, redis_prefix: str
) -> None:
    status, body = await ask(aiohttp_client, nodes, redis_prefix)
    assert status == 503
    assert body["error"]["code"] == "calendar_unavailable"
    message = body["error"]["message"]
    assert message.startswith("no Chinese working-day calendar for 2027: chinese_calendar ")
    assert "JJJ_HOLIDAY_SCHEDULES" in message
    assert "README" in message


async def test_a_schedule_file_for_2027_lets_the_report_through(
    aiohttp_client: Any, nodes: Nodes, redis_prefix: str
) -> None:
    status, body = await ask(aiohttp_client, nodes, redis_prefix, holiday_schedules=(TEST_2027,))
    assert status == 200, body
    # Seven working days back from 2027-01-05 over the file's New Year (Friday 01-01 off) into the package's 2026.
    assert body["window"] == {"from": "2023-12-25", "to": "2026-12-24"}


@pytest.mark.parametrize("value", ["/etc/jjj/a.toml:/etc/jjj/b.toml", ["/etc/jjj/a.toml", "/etc/jjj/b.toml"]])
def test_the_setting_takes_a_path_list(value: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from broker.settings import Settings

    expected = (Path("/etc/jjj/a.toml"), Path("/etc/jjj/b.toml"))
    if isinstance(value, str):
        monkeypatch.setenv("JJJ_HOLIDAY_SCHEDULES", value)
        assert Settings().holiday_schedules == expected
    else:
        assert Settings(holiday_schedules=value).holiday_schedules == expected  # type: ignore[arg-type]
    monkeypatch.setenv("JJJ_HOLIDAY_SCHEDULES", "")
    assert Settings().holiday_schedules == ()


async def test_the_broker_does_not_start_with_a_bad_schedule(nodes: Nodes, redis_prefix: str, tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text(TEST_2027.read_text().replace("year = 2027", "year = 2028"))
    settings = settings_for(nodes, redis_prefix, holiday_schedules=(bad,))
    # What the app's startup runs (broker.app's cleanup context): it fails before any resource is opened.
    with pytest.raises(ScheduleError, match=rf"^{bad}, line 8: holiday '元旦': off: 2027-01-01 is outside 2028"):
        async with open_services(settings, SystemClock()):
            pass


def test_jjj_serve_says_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    init_keys(tmp_path / "keys")
    monkeypatch.setenv("JJJ_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("JJJ_NODES_INSECURE", "true")
    monkeypatch.setenv("JJJ_ENV", "development")  # a development broker: the schedule is what stops it
    monkeypatch.setenv("JJJ_HOLIDAY_SCHEDULES", str(tmp_path / "absent.toml"))
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"jjj serve: {tmp_path / 'absent.toml'}: cannot read the holiday schedule: No such file or directory\n"
    )
