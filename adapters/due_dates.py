"""Due dates in Chinese working days (法定工作日): Tianjin's plan cut repair review from 15 to 5 working days.

Counted with :mod:`merge.working_days` (chinese-calendar plus operator schedules). A year the calendar does not
cover counts Monday to Friday, logged: a due date is a promise to the subject, better approximate than absent.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from merge.working_days import PACKAGE_CALENDAR, CalendarYearMissing, WorkingDayCalendar

log = logging.getLogger(__name__)

DEFAULT_DUE_WORKING_DAYS = 5


def _workday(calendar: WorkingDayCalendar, day: date) -> bool:
    try:
        return calendar.is_workday(day)
    except CalendarYearMissing:
        log.warning("no working-day calendar for %d: counting Monday to Friday", day.year)
        return day.weekday() < 5


def add_working_days(start: date, days: int, calendar: WorkingDayCalendar = PACKAGE_CALENDAR) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days: must not be negative")
    day = start
    while days:
        day += timedelta(days=1)
        if _workday(calendar, day):
            days -= 1
    return day


def working_days_between(start: date, end: date, calendar: WorkingDayCalendar = PACKAGE_CALENDAR) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += _workday(calendar, day)
    return count
