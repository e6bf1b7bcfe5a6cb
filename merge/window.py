"""The query window: which decision dates a report covers.

A report about the last N years covers exactly N years, both ends inclusive: it ends on the application date
(or, when the platforms' data lag behind, that many Chinese *working* days earlier) and starts N years before
that end, plus one day. Working days follow the State Council's holiday arrangements (调休 included) as kept
by the maintained ``chinese_calendar`` package and extended by operators' schedule files
(:mod:`merge.working_days`), not a weekday rule: a lag over National Day skips the whole golden week.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from merge.edition_rules import RULES
from merge.editions import WINDOW_YEARS, Edition
from merge.working_days import PACKAGE_CALENDAR, WorkingDayCalendar

_ONE_DAY = timedelta(days=1)


def _minus_working_days(day: date, count: int, calendar: WorkingDayCalendar) -> date:
    """``day`` moved back over ``count`` working days: 0 keeps it, 1 is the previous working day."""
    for _ in range(count):
        day -= _ONE_DAY
        while not calendar.is_workday(day):
            day -= _ONE_DAY
    return day


def _minus_months(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier, clamped to that month's end (Feb 29 → Feb 28)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def compute_window(
    application_date: date,
    years: int,
    edition: Edition,
    lag_working_days: int = 0,
    *,
    calendar: WorkingDayCalendar = PACKAGE_CALENDAR,
) -> tuple[date, date]:
    """``(window_from, window_to)``, both inclusive.

    ``years`` must be one of :data:`merge.editions.WINDOW_YEARS`; an edition with a fixed window (the listing
    edition: 36 months) uses that instead. ``lag_working_days`` moves the end back over working days of
    ``calendar`` (the package alone unless given); with 0 no calendar is needed, so any application date works.
    Raises :class:`ValueError` naming the argument, or its subclass
    :class:`~merge.working_days.CalendarYearMissing` naming the year the calendar lacks.
    """
    if years not in WINDOW_YEARS:
        raise ValueError(f"window_years must be one of {sorted(WINDOW_YEARS)}, got {years!r}")
    if lag_working_days < 0:
        raise ValueError(f"lag_working_days must not be negative, got {lag_working_days!r}")
    window_to = _minus_working_days(application_date, lag_working_days, calendar)
    fixed = RULES[edition].fixed_window_months
    months = fixed if fixed is not None else years * 12
    window_from = _minus_months(window_to, months) + _ONE_DAY
    return window_from, window_to
