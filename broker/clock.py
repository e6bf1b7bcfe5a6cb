"""What time it is: one :class:`Clock` seam, injected everywhere a service reads the time (tests fix it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

#: China Standard Time: application dates and windows are calendar dates in Beijing.
CST = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
