"""Why a report could not be issued (beyond a bad request or a missing consent, which are generic API errors)."""

from __future__ import annotations

from broker.errors import ApiError


class CalendarUnavailable(ApiError):
    """The working-day calendar does not cover the application date, so the window cannot be computed."""

    status = 503
    code = "calendar_unavailable"
