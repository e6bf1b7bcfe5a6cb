"""One year's holiday arrangements (放假安排) as an operator writes them down, read from TOML and checked.

The State Council publishes each year's arrangements in November or December; the ``chinese_calendar`` package
follows some weeks later. A schedule file lets an operator use them at once::

    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）"

    [[holidays]]
    name = "春节"
    off = [2027-02-06, 2027-02-07, 2027-02-08]   # 放假: every day off, weekends inside the block included
    makeup_workdays = [2027-02-14]               # 调休上班: a Saturday or Sunday worked instead

Dates are TOML dates (unquoted). Every date lies in ``year``, except that a holiday may begin in the previous
December: the New Year arrangements for 2007, 2008 and 2019 did (2018-12-29 was worked, 12-30 and 12-31 were
off). A date appears at most once in a file; a make-up working day is always a Saturday or Sunday. Parsing is
pure (text in, schedule out): the caller reads the file and names it as ``origin``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime

#: Years a schedule may declare: anything else is a typo (the package itself starts at 2004).
MIN_YEAR, MAX_YEAR = 2000, 2199
_TOP_KEYS = frozenset({"year", "source", "holidays"})
_HOLIDAY_KEYS = frozenset({"name", "off", "makeup_workdays"})


class ScheduleError(ValueError):
    """A schedule that cannot be used. The message names the file, the line where it is known, and the fault."""


@dataclass(frozen=True)
class Holiday:
    name: str
    off: tuple[date, ...]
    makeup_workdays: tuple[date, ...]


@dataclass(frozen=True)
class HolidaySchedule:
    year: int
    #: Where the dates come from (the notice's title and number), as written in the file.
    source: str
    #: The file it was read from, for messages.
    origin: str
    holidays: tuple[Holiday, ...]

    def explicit_days(self) -> dict[date, bool]:
        """Each date the file names, mapped to whether it is a working day (make-up days) or not (days off)."""
        days = {day: False for holiday in self.holidays for day in holiday.off}
        days.update({day: True for holiday in self.holidays for day in holiday.makeup_workdays})
        return days


def parse_schedule(text: str, origin: str) -> HolidaySchedule:
    """The schedule in ``text``; :class:`ScheduleError` naming ``origin`` (and the line) for anything wrong."""
    where = _Locator(text, origin)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{origin}: not valid TOML: {exc}") from None
    _only_keys(data, _TOP_KEYS, where, "the file", 0)
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise where.error(f"year must be a year between {MIN_YEAR} and {MAX_YEAR}, got {year!r}", "year")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise where.error("source must name where the dates come from (the State Council notice)", "source")
    entries = data.get("holidays")
    if not isinstance(entries, list) or not entries:
        raise where.error("holidays must be a non-empty list of [[holidays]] tables", "holidays")
    holidays = tuple(_holiday(entry, index, year, where) for index, entry in enumerate(entries, 1))
    _each_date_once(holidays, where)
    return HolidaySchedule(year=year, source=source.strip(), origin=origin, holidays=holidays)


def _holiday(entry: object, index: int, year: int, where: _Locator) -> Holiday:
    if not isinstance(entry, dict):
        raise where.error(f"holidays entry {index} must be a [[holidays]] table", "holidays")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.error(f'holidays entry {index} needs a name (e.g. name = "春节")', "[[", index)
    label = f"holiday {name.strip()!r}"
    _only_keys(entry, _HOLIDAY_KEYS, where, label, index)
    off = _dates(entry.get("off"), f"{label}: off", year, where, index)
    if not off:
        raise where.error(f"{label}: off must list at least one day off (放假)", "off", index)
    workdays = _dates(entry.get("makeup_workdays", []), f"{label}: makeup_workdays", year, where, index)
    for day in workdays:
        if day.weekday() < 5:
            raise where.error(
                f"{label}: makeup_workdays {day} is a {day:%A}; a make-up working day (调休上班) is a Saturday or "
                "Sunday",
                day.isoformat(),
                index,
            )
    return Holiday(name=name.strip(), off=off, makeup_workdays=workdays)


def _dates(value: object, label: str, year: int, where: _Locator, index: int) -> tuple[date, ...]:
    key = label.rsplit(" ", 1)[-1]
    if not isinstance(value, list):
        raise where.error(f"{label} must be a list of dates like [{year}-10-01, {year}-10-02]", key, index)
    days: list[date] = []
    for item in value:
        if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
            raise where.error(f"{label}: write the date {item} without quotes (a TOML date)", f'"{item}"', index)
        if not isinstance(item, date) or isinstance(item, datetime):
            raise where.error(f"{label}: {item!r} is not a date (write {year}-10-01)", key, index)
        # New Year may start in the previous December (2019's did: 2018-12-29 worked, 12-30 and 12-31 off).
        if item.year != year and not (item.year == year - 1 and item.month == 12):
            raise where.error(
                f"{label}: {item} is outside {year} (only {year - 1}-12 may precede it, for New Year)",
                item.isoformat(),
                index,
            )
        days.append(item)
    return tuple(days)


def _each_date_once(holidays: tuple[Holiday, ...], where: _Locator) -> None:
    seen: dict[date, str] = {}
    for index, holiday in enumerate(holidays, 1):
        for key, days in (("off", holiday.off), ("makeup_workdays", holiday.makeup_workdays)):
            for day in days:
                place = f"holiday {holiday.name!r} {key}"
                if day in seen:
                    message = f"{day} is listed twice: in {seen[day]} and in {place} (a day is off or worked, once)"
                    raise where.error(message, day.isoformat(), index, last=True)
                seen[day] = place
    names = [h.name for h in holidays]
    for index, name in enumerate(names, 1):
        if names.index(name) != index - 1:
            raise where.error(f"holiday {name!r} is listed twice", f'"{name}"', index)


def _only_keys(table: dict[str, object], allowed: frozenset[str], where: _Locator, label: str, index: int) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed))
        raise where.error(f"{label}: unknown key {unknown[0]!r} (expected {expected})", unknown[0], index)


_ENTRY_HEADER = re.compile(r"^\s*\[\[\s*holidays\s*\]\]")


class _Locator:
    """Finds the line a fault is on. tomllib gives values without positions, so the line is the one holding the
    offending text (outside comments) within the [[holidays]] entry at fault: exact for keys and dates, which is
    where faults are. A file written with inline tables gets the file's name without a line."""

    def __init__(self, text: str, origin: str) -> None:
        self._lines = [line.split("#", 1)[0] for line in text.splitlines()]
        self._origin = origin
        self._entries = [number for number, line in enumerate(self._lines) if _ENTRY_HEADER.match(line)]

    def error(self, message: str, needle: str, entry: int = 0, *, last: bool = False) -> ScheduleError:
        """``entry`` 0 is the top of the file, 1 the first [[holidays]] table …; ``last`` takes the entry's last
        line holding ``needle`` (the second mention of a date listed twice in one entry)."""
        start = self._entries[entry - 1] if 0 < entry <= len(self._entries) else 0
        end = self._entries[entry] if 0 < entry < len(self._entries) else len(self._lines)
        if entry == 0 and self._entries:
            end = self._entries[0]
        hits = [number + 1 for number in range(start, end) if needle in self._lines[number]]
        if not hits:
            return ScheduleError(f"{self._origin}: {message}")
        return ScheduleError(f"{self._origin}, line {hits[-1] if last else hits[0]}: {message}")
