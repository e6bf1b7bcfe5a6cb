"""Why a report could not be issued (beyond a bad request or a missing consent, which are generic API errors)."""

from __future__ import annotations

from broker.errors import ApiError


class CalendarUnavailable(ApiError):
    """The working-day calendar does not cover the application date, so the window cannot be computed."""

    status = 503
    code = "calendar_unavailable"


class RegionsUnanswered(ApiError):
    """Asked to issue only a complete report, and a region did not answer: nothing was issued (the query is in the
    audit log); the caller may ask again, or accept an incomplete report."""

    status = 409
    code = "regions_unanswered"

    def __init__(self, message: str, *, regions: dict[str, str]) -> None:
        super().__init__(message)
        #: Each region's code and status, in report order.
        self.regions = regions


class SubjectNotListed(ApiError):
    """The edition is restricted to a list (the financial edition), and every region said the subject is not on
    it: there is no report to issue — rather than one with every region ``refused``. The request is audited."""

    status = 403
    code = "subject_not_listed"


class PendingNotFound(ApiError):
    """No report of that number awaits confirmation for this requester (never asked, another's, or expired)."""

    status = 404
    code = "pending_not_found"


class PendingIssuedAlready(ApiError):
    """The report no longer awaits confirmation: it was issued, and its code went to the ask that completed it."""

    status = 409
    code = "report_issued_already"


class PendingBeingIssued(ApiError):
    """Another ask is issuing this report right now; ask again in a moment."""

    status = 409
    code = "report_being_issued"
