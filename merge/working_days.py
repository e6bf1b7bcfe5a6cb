"""Which days are Chinese working days: the ``chinese_calendar`` package, extended by operators' schedules.

The package knows the years whose arrangements the State Council had published when it was released (1.11:
2004–2026). A :class:`~merge.holiday_schedule.HolidaySchedule` covers one more year, or replaces the package's
data for its year (an arrangement changed after publication, as the 2020 Spring Festival was extended). Within
a year a schedule covers, a day is a working day when it is a make-up working day (调休上班), or a weekday that
is not a day off (放假): the package's own rule. A schedule's days in the previous December (New Year) amend that
year on those days only. Pure: nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar

from merge.holiday_schedule import HolidaySchedule, ScheduleError


class CalendarYearMissing(ValueError):
    """No working-day calendar for ``year``: neither the package nor any schedule gives it."""

    def __init__(self, year: int, message: str) -> None:
        super().__init__(message)
        self.year = year


@dataclass(frozen=True)
class YearCoverage:
    year: int
    #: The schedule that gives the year, or None when the package does.
    schedule: HolidaySchedule | None
    #: The package has the year too (a schedule then replaces it).
    in_package: bool


@cache
def package_years() -> range:
    """The years ``chinese_calendar`` knows: the span of its holiday table, as its own date check uses."""
    days = chinese_calendar.holidays.keys()
    return range(min(days).year, max(days).year + 1)


def package_version() -> str:
    return str(getattr(chinese_calendar, "__version__", "unknown"))


def years_due(today: date) -> tuple[int, ...]:
    """The years a broker must have on ``today``: this one; from 1 December the coming one (its reports start
    in a month); in January and February the previous one, which a lag of up to 30 working days reaches into."""
    years = [today.year]
    if today.month <= 2:
        years.insert(0, today.year - 1)
    if today.month == 12:
        years.append(today.year + 1)
    return tuple(years)


class WorkingDayCalendar:
    """The package plus ``schedules``; :class:`ScheduleError` when two schedules give the same year or the
    same day differently. ``missing_hint`` ends the message of :class:`CalendarYearMissing` (how to load one)."""

    def __init__(self, schedules: Sequence[HolidaySchedule] = (), *, missing_hint: str = "") -> None:
        self._years: dict[int, HolidaySchedule] = {}
        self._days: dict[date, tuple[bool, HolidaySchedule]] = {}
        for schedule in schedules:
            if schedule.year in self._years:
                other = self._years[schedule.year].origin
                raise ScheduleError(f"{schedule.origin}: {schedule.year} is given by {other} already")
            self._years[schedule.year] = schedule
            for day, working in schedule.explicit_days().items():
                known = self._days.get(day)
                if known is not None and known[0] != working:
                    raise ScheduleError(f"{schedule.origin}: {day} contradicts {known[1].origin}")
                self._days[day] = (working, schedule)
        self._hint = missing_hint

    @property
    def schedules(self) -> tuple[HolidaySchedule, ...]:
        return tuple(self._years[year] for year in sorted(self._years))

    def covers(self, year: int) -> bool:
        return year in self._years or year in package_years()

    def missing(self, years: Iterable[int]) -> list[int]:
        return [year for year in years if not self.covers(year)]

    def coverage(self) -> list[YearCoverage]:
        """Every year covered, in order: the package's, and the schedules' (replacing or extending it)."""
        years = sorted(set(package_years()) | set(self._years))
        return [YearCoverage(y, self._years.get(y), y in package_years()) for y in years]

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day; :class:`CalendarYearMissing` when its year is not covered."""
        explicit = self._days.get(day)
        if explicit is not None:
            return explicit[0]
        if day.year in self._years:
            return day.weekday() < 5
        if day.year in package_years():
            return bool(chinese_calendar.is_workday(day))
        raise CalendarYearMissing(day.year, self._missing_message(day.year))

    def package_differences(self, year: int) -> list[date]:
        """Days of ``year`` this calendar counts differently from the package (none when it lacks the year)."""
        if year not in package_years():
            return []
        start = date(year, 1, 1)
        days = (start + timedelta(days=n) for n in range((date(year + 1, 1, 1) - start).days))
        return [d for d in days if self.is_workday(d) != bool(chinese_calendar.is_workday(d))]

    def _missing_message(self, year: int) -> str:
        known = package_years()
        given = f"; schedules give {', '.join(map(str, sorted(self._years)))}" if self._years else ""
        message = (
            f"no Chinese working-day calendar for {year}: chinese_calendar {package_version()} covers "
            f"{known.start}–{known.stop - 1}{given}, and counting a lag in working days needs {year}"
        )
        return f"{message}. {self._hint}" if self._hint else message


#: The package alone: what a window with no operator schedules uses.
PACKAGE_CALENDAR = WorkingDayCalendar()
