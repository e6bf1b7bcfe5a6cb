"""``jjj calendar check``: the years covered, package and files; exit 0 covered, 1 a year due missing, 2 a bad file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from broker.cli.main import main
from tests.broker.test_calendar import TEST_2027

EXAMPLE = Path(__file__).parents[3] / "examples" / "holidays-2026.toml"


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["calendar", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_configured_schedules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JJJ_HOLIDAY_SCHEDULES", raising=False)


def test_from_1_december_the_coming_year_missing_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--on", "2026-12-02")
    assert code == 1
    assert out.splitlines() == [f"2004–2026  chinese_calendar {_version()}"]
    assert err.startswith("MISSING on 2026-12-02 (due: 2026, 2027): No working-day calendar for 2027 yet")
    assert "JJJ_HOLIDAY_SCHEDULES" in err


def test_a_schedule_for_the_coming_year_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--on", "2026-12-02", "--schedule", str(TEST_2027))
    assert (code, err) == (0, "")
    assert f"2027       {TEST_2027}: TEST DATA for jjj's tests, not an official arrangement" in out
    assert out.endswith("ok: every year due on 2026-12-02 is covered (2026, 2027)\n")


def test_before_december_only_this_year_is_due(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--on", "2026-11-30")
    assert code == 0
    assert "covered (2026)" in out


def test_a_year_missing_now_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys, "--on", "2027-03-01")
    assert code == 1
    assert "No working-day calendar for 2027: every report that counts a lag in working days" in err


def test_the_configured_files_are_checked_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JJJ_HOLIDAY_SCHEDULES", f"{EXAMPLE}:{TEST_2027}")
    code, out, _ = check(capsys, "--on", "2026-12-02")
    assert code == 0
    assert f"2026       {EXAMPLE}: " in out
    assert "(replaces the package's year; agrees on every day)" in out


def test_a_file_departing_from_the_package_says_on_which_days(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    changed = tmp_path / "2026.toml"
    changed.write_text(EXAMPLE.read_text().replace("makeup_workdays = [2026-01-04]\n", ""))
    code, out, _ = check(capsys, "--on", "2026-06-01", "--schedule", str(changed))
    assert code == 0
    assert "(replaces the package's year; differs on 2026-01-04)" in out


def test_a_bad_file_is_exit_2_naming_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text(TEST_2027.read_text().replace("makeup_workdays = [2027-02-14,", "makeup_workdays = [2027-02-15,"))
    code, out, err = check(capsys, "--schedule", str(bad))
    assert (code, out) == (2, "")
    assert err.startswith(f"jjj calendar: {bad}, line 13: holiday '春节': makeup_workdays 2027-02-15 is a Monday")
    code, _, err = check(capsys, "--schedule", str(tmp_path / "absent.toml"))
    assert code == 2
    assert (
        err
        == f"jjj calendar: {tmp_path / 'absent.toml'}: cannot read the holiday schedule: No such file or directory\n"
    )


def test_the_jjj_command_has_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "broker", "calendar", "check", "--on", "2026-12-02", "--schedule", str(TEST_2027)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ok: every year due on 2026-12-02" in done.stdout


def _version() -> str:
    import chinese_calendar

    return str(chinese_calendar.__version__)
