"""The broker's working-day calendar: ``chinese_calendar`` plus the schedule files ``JJJ_HOLIDAY_SCHEDULES``
names, read once at start; and the check ``jjj calendar check`` and ``/healthz`` share (which years are due,
which are missing, and what to tell the operator)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from merge.holiday_schedule import HolidaySchedule, ScheduleError, parse_schedule
from merge.working_days import WorkingDayCalendar, years_due

#: How to load a missing year: the end of every "no calendar for YEAR" message, the API's 503 included.
MISSING_HINT = (
    "The operator must load the State Council's holiday arrangements (放假安排) for that year: a schedule file "
    "named in JJJ_HOLIDAY_SCHEDULES (README: Working-day calendar)."
)


def read_schedules(paths: Sequence[Path]) -> list[HolidaySchedule]:
    """Each file parsed and checked; :class:`ScheduleError` naming the file for the first that is not usable."""
    schedules = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScheduleError(f"{path}: cannot read the holiday schedule: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ScheduleError(f"{path}: a holiday schedule must be UTF-8 text") from None
        schedules.append(parse_schedule(text, str(path)))
    return schedules


def load_calendar(paths: Sequence[Path]) -> WorkingDayCalendar:
    """The package extended by ``paths``; :class:`ScheduleError` if any is unreadable, wrong or contradictory."""
    return WorkingDayCalendar(read_schedules(paths), missing_hint=MISSING_HINT)


@dataclass(frozen=True)
class CalendarCheck:
    """What the calendar lacks on ``today``: ``blocking`` years are needed now, ``upcoming`` from 1 January."""

    today: date
    due: tuple[int, ...]
    blocking: tuple[int, ...]
    upcoming: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return not self.blocking and not self.upcoming

    def message(self) -> str:
        """One paragraph for an operator; empty when nothing is missing."""
        if self.blocking:
            years = _years(self.blocking)
            return (
                f"No working-day calendar for {years}: every report that counts a lag in working days into "
                f"{years} is refused (503 calendar_unavailable). {_load(self.blocking)}"
            )
        if self.upcoming:
            years = _years(self.upcoming)
            return (
                f"No working-day calendar for {years} yet: from January {years}, reports that count a lag in "
                f"working days will be refused (503 calendar_unavailable). {_load(self.upcoming)}"
            )
        return ""


def check_calendar(calendar: WorkingDayCalendar, today: date) -> CalendarCheck:
    due = years_due(today)
    missing = calendar.missing(due)
    return CalendarCheck(
        today=today,
        due=due,
        blocking=tuple(y for y in missing if y <= today.year),
        upcoming=tuple(y for y in missing if y > today.year),
    )


def _years(years: Sequence[int]) -> str:
    return ", ".join(map(str, years))


def _load(years: Sequence[int]) -> str:
    return (
        f"Load the State Council's {_years(years)} holiday arrangements (放假安排) as a schedule file named in "
        "JJJ_HOLIDAY_SCHEDULES (README: Working-day calendar)."
    )
