"""``jjj calendar check [--schedule FILE ...] [--on DATE]``: which years the working-day calendar covers.

The files are ``--schedule`` when given (to check a new one before deploying it, name every file the broker will
have), else those ``JJJ_HOLIDAY_SCHEDULES`` names. Prints the package's years, each schedule's year and source,
and the years due on the day (this one; from 1 December the coming one; in January and February the previous
one). Exit 0 when every year due is covered, 1 when one is missing, 2 when a schedule file is unusable.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from merge.working_days import WorkingDayCalendar


def add_parser(sub: Any) -> None:
    """Register ``calendar`` on the ``jjj`` command's subparsers."""
    calendar = sub.add_parser("calendar", help="the working-day calendar: which years are covered (check)")
    calendar.add_argument("action", choices=["check"])
    calendar.add_argument(
        "--schedule",
        action="append",
        type=Path,
        metavar="FILE",
        help="a holiday schedule file, repeatable (default: the files JJJ_HOLIDAY_SCHEDULES names)",
    )
    calendar.add_argument(
        "--on", type=date.fromisoformat, metavar="YYYY-MM-DD", help="check as of this day (default: today, Beijing)"
    )
    calendar.set_defaults(func=run)


def describe(calendar: WorkingDayCalendar) -> list[str]:
    """One line for the package's span, one per schedule (and whether it departs from the package)."""
    from merge.working_days import package_version, package_years

    known = package_years()
    lines = [f"{known.start}–{known.stop - 1}  chinese_calendar {package_version()}"]
    for schedule in calendar.schedules:
        line = f"{schedule.year}       {schedule.origin}: {schedule.source}"
        if schedule.year in known:
            differ = calendar.package_differences(schedule.year)
            shown = ", ".join(map(str, differ[:5])) + (" …" if len(differ) > 5 else "")
            line += " (replaces the package's year; " + (f"differs on {shown})" if differ else "agrees on every day)")
        lines.append(line)
    return lines


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from broker.calendar import check_calendar, load_calendar
    from broker.clock import CST, SystemClock
    from broker.settings import Settings
    from merge.holiday_schedule import ScheduleError

    try:
        paths = args.schedule if args.schedule else Settings().holiday_schedules
        calendar = load_calendar(paths)
    except ValidationError as exc:
        print(f"jjj calendar: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except ScheduleError as exc:
        print(f"jjj calendar: {exc}", file=sys.stderr)
        return 2
    today = args.on or SystemClock().now().astimezone(CST).date()
    for line in describe(calendar):
        print(line)
    check = check_calendar(calendar, today)
    due = ", ".join(map(str, check.due))
    if check.ok:
        print(f"ok: every year due on {today} is covered ({due})")
        return 0
    print(f"MISSING on {today} (due: {due}): {check.message()}", file=sys.stderr)
    return 1
