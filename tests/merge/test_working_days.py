"""The working-day calendar: the package, extended and overridden by schedules; coverage; the years due."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from merge.holiday_schedule import HolidaySchedule, ScheduleError, parse_schedule
from merge.working_days import CalendarYearMissing, WorkingDayCalendar, package_years, years_due

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).parents[2] / "examples" / "holidays-2026.toml"


def load(path: Path) -> HolidaySchedule:
    return parse_schedule(path.read_text(), str(path))


def schedule(year: int, *, off: str, makeup: str = "", origin: str = "extra.toml") -> HolidaySchedule:
    text = f'year = {year}\nsource = "s"\n[[holidays]]\nname = "h"\noff = [{off}]\nmakeup_workdays = [{makeup}]\n'
    return parse_schedule(text, origin)


def test_the_package_alone_stops_at_its_last_year() -> None:
    calendar = WorkingDayCalendar(missing_hint="Load it.")
    assert calendar.covers(2026)
    assert not calendar.covers(2027)
    with pytest.raises(CalendarYearMissing) as caught:
        calendar.is_workday(date(2027, 1, 4))
    assert caught.value.year == 2027
    last = package_years().stop - 1
    assert str(caught.value) == (
        f"no Chinese working-day calendar for 2027: chinese_calendar {chinese_calendar.__version__} covers "
        f"2004–{last}, and counting a lag in working days needs 2027. Load it."
    )


def test_a_schedule_adds_its_year() -> None:
    calendar = WorkingDayCalendar([load(DATA / "holidays-2027-test.toml")])
    assert calendar.covers(2027)
    assert not calendar.is_workday(date(2027, 1, 1))  # a Friday off (元旦)
    assert calendar.is_workday(date(2027, 1, 4))  # an ordinary Monday
    assert not calendar.is_workday(date(2027, 1, 9))  # an ordinary Saturday
    assert calendar.is_workday(date(2027, 2, 20))  # a Saturday worked (调休上班)
    assert [c.year for c in calendar.coverage()][-2:] == [2026, 2027]
    assert calendar.coverage()[-1].schedule is not None
    assert not calendar.coverage()[-1].in_package


def test_the_shipped_example_agrees_with_the_package_on_every_day() -> None:
    calendar = WorkingDayCalendar([load(EXAMPLE)])
    assert calendar.package_differences(2026) == []
    start = date(2026, 1, 1)
    for day in (start + timedelta(days=n) for n in range(365)):
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day


def test_a_schedule_replaces_the_package_for_its_year() -> None:
    # As the State Council extended the 2020 Spring Festival: an operator's file wins over the package.
    calendar = WorkingDayCalendar([schedule(2026, off="2026-03-02")])
    assert not calendar.is_workday(date(2026, 3, 2))
    # The package's holidays are not kept for that year: the file is the whole arrangement.
    assert calendar.is_workday(date(2026, 10, 1))
    assert date(2026, 3, 2) in calendar.package_differences(2026)
    [covered] = [c for c in calendar.coverage() if c.year == 2026]
    assert covered.in_package
    assert covered.schedule is not None


def test_new_year_days_in_december_amend_the_previous_year_on_those_days_only() -> None:
    calendar = WorkingDayCalendar([schedule(2027, off="2026-12-31, 2027-01-01", makeup="2026-12-26")])
    assert not calendar.is_workday(date(2026, 12, 31))  # a Thursday the package counts as worked
    assert calendar.is_workday(date(2026, 12, 26))  # a Saturday
    assert not calendar.is_workday(date(2026, 10, 1))  # the rest of 2026 is still the package's


def test_two_schedules_for_one_year_are_refused() -> None:
    first, second = (schedule(2027, off="2027-01-01", origin=name) for name in ("a.toml", "b.toml"))
    with pytest.raises(ScheduleError, match=r"^b.toml: 2027 is given by a.toml already$"):
        WorkingDayCalendar([first, second])


def test_schedules_that_contradict_each_other_are_refused() -> None:
    worked = schedule(2027, off="2027-01-01", makeup="2027-12-25", origin="2027.toml")  # a Saturday worked
    new_year = schedule(2028, off="2027-12-25, 2028-01-01", origin="2028.toml")  # … and off
    with pytest.raises(ScheduleError, match=r"^2028.toml: 2027-12-25 contradicts 2027.toml$"):
        WorkingDayCalendar([worked, new_year])
    agreeing = schedule(2028, off="2027-12-31, 2028-01-01", origin="2028.toml")
    assert not WorkingDayCalendar([worked, agreeing]).is_workday(date(2027, 12, 31))


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 6, 1), (2026,)),
        (date(2026, 11, 30), (2026,)),
        (date(2026, 12, 1), (2026, 2027)),
        (date(2026, 12, 31), (2026, 2027)),
        (date(2027, 1, 5), (2026, 2027)),
        (date(2027, 2, 28), (2026, 2027)),
        (date(2027, 3, 1), (2027,)),
    ],
)
def test_years_due(today: date, due: tuple[int, ...]) -> None:
    assert years_due(today) == due
