"""Schedule files: the documented format parses; every fault is refused, naming the file, the line and the fault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from merge.holiday_schedule import ScheduleError, parse_schedule

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parents[2] / "examples" / "holidays-2026.toml"

GOOD = """\
year = 2027
source = "test"

[[holidays]]
name = "元旦"
off = [2027-01-01]

[[holidays]]
name = "春节"
off = [2027-02-06, 2027-02-07]
makeup_workdays = [2027-02-14]
"""


def test_the_documented_format_parses() -> None:
    schedule = parse_schedule(GOOD, "2027.toml")
    assert (schedule.year, schedule.source, schedule.origin) == (2027, "test", "2027.toml")
    assert [h.name for h in schedule.holidays] == ["元旦", "春节"]
    assert schedule.holidays[1].makeup_workdays == (date(2027, 2, 14),)
    assert schedule.explicit_days() == {
        date(2027, 1, 1): False,
        date(2027, 2, 6): False,
        date(2027, 2, 7): False,
        date(2027, 2, 14): True,
    }


def test_the_shipped_example_and_the_test_data_parse() -> None:
    assert parse_schedule(EXAMPLE.read_text(), str(EXAMPLE)).year == 2026
    test_data = DATA / "holidays-2027-test.toml"
    assert "TEST DATA" in parse_schedule(test_data.read_text(), str(test_data)).source


def test_new_year_may_begin_in_the_previous_december() -> None:
    # 2019's arrangement: 2018-12-29 (Saturday) worked, 12-30 to 2019-01-01 off.
    text = (
        'year = 2019\nsource = "s"\n[[holidays]]\nname = "元旦"\n'
        "off = [2018-12-30, 2018-12-31, 2019-01-01]\nmakeup_workdays = [2018-12-29]\n"
    )
    assert parse_schedule(text, "f").explicit_days()[date(2018, 12, 29)] is True


def fault(text: str) -> str:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, "/etc/jjj/holidays-2027.toml")
    return str(caught.value)


def test_a_date_outside_the_year_names_the_file_and_line() -> None:
    text = GOOD.replace("off = [2027-02-06, 2027-02-07]", "off = [2027-02-06, 2028-02-07]")
    assert fault(text) == (
        "/etc/jjj/holidays-2027.toml, line 10: holiday '春节': off: 2028-02-07 is outside 2027 "
        "(only 2026-12 may precede it, for New Year)"
    )
    assert "2026-11-30 is outside 2027" in fault(GOOD.replace("[2027-01-01]", "[2026-11-30]"))


def test_a_day_both_off_and_worked_is_refused() -> None:
    text = GOOD.replace("makeup_workdays = [2027-02-14]", "makeup_workdays = [2027-02-06]")
    message = fault(text)
    assert message.startswith("/etc/jjj/holidays-2027.toml, line 11: 2027-02-06 is listed twice")
    assert "holiday '春节' off" in message
    assert "holiday '春节' makeup_workdays" in message


def test_a_day_in_two_holidays_is_refused_at_its_second_line() -> None:
    text = GOOD.replace("off = [2027-02-06, 2027-02-07]", "off = [2027-01-01, 2027-02-07]")
    assert fault(text).startswith("/etc/jjj/holidays-2027.toml, line 10: 2027-01-01 is listed twice")


def test_a_weekday_is_never_a_make_up_working_day() -> None:
    text = GOOD.replace("makeup_workdays = [2027-02-14]", "makeup_workdays = [2027-02-15]")
    assert fault(text) == (
        "/etc/jjj/holidays-2027.toml, line 11: holiday '春节': makeup_workdays 2027-02-15 is a Monday; "
        "a make-up working day (调休上班) is a Saturday or Sunday"
    )


def test_quoted_dates_get_a_hint() -> None:
    assert "line 6: holiday '元旦': off: write the date 2027-01-01 without quotes" in fault(
        GOOD.replace("off = [2027-01-01]", 'off = ["2027-01-01"]')
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("year = 2027", "year = 27"), "line 1: year must be a year between 2000 and 2199, got 27"),
        (("year = 2027", 'year = "2027"'), "line 1: year must be a year between 2000 and 2199, got '2027'"),
        (('source = "test"', 'source = "  "'), "line 2: source must name where the dates come from"),
        (('source = "test"\n', ""), "source must name where the dates come from"),
        (("makeup_workdays", "makeup_workday"), "line 11: holiday '春节': unknown key 'makeup_workday'"),
        (("year = 2027", "year = 2027\nyaer = 2027"), "line 2: the file: unknown key 'yaer'"),
        (("off = [2027-01-01]", "off = []"), "line 6: holiday '元旦': off must list at least one day off"),
        (("off = [2027-01-01]", "off = 2027-01-01"), "line 6: holiday '元旦': off must be a list of dates"),
        (("off = [2027-01-01]", "off = [2027-01-01T08:00:00]"), "holiday '元旦': off: datetime.datetime(2027, 1, 1"),
        (('name = "元旦"', 'name = ""'), "line 4: holidays entry 1 needs a name"),
        (('name = "春节"', 'name = "元旦"'), "line 9: holiday '元旦' is listed twice"),
        (("off = [2027-01-01]", "off = [2027-01-01"), "not valid TOML: "),
    ],
)
def test_nonsense_is_refused(change: tuple[str, str], expected: str) -> None:
    message = fault(GOOD.replace(*change, 1))
    assert message.startswith("/etc/jjj/holidays-2027.toml")
    assert expected in message


def test_no_holidays_is_refused() -> None:
    assert "holidays must be a non-empty list" in fault('year = 2027\nsource = "s"\n')
