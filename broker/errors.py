"""Domain errors that know their HTTP status and error code; one middleware renders them as JSON.

Errors are translated at the boundary: the report service raises these, never ``web.HTTPException``.
"""

from __future__ import annotations

from typing import ClassVar


class ApiError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return {"error": body}


class InvalidRequest(ApiError):
    status = 422
    code = "invalid_request"


class MalformedBody(ApiError):
    status = 400
    code = "malformed_body"


class BodyTooLarge(ApiError):
    status = 413
    code = "body_too_large"


class ConsentRequired(ApiError):
    status = 403
    code = "consent_required"


class ConsentStoreUnavailable(ApiError):
    """Redis could not be reached: invariant 3 says refuse, never answer without the consent store."""

    status = 503
    code = "consent_store_unavailable"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"


class CalendarUnavailable(ApiError):
    """The working-day calendar does not cover the application date, so the window cannot be computed."""

    status = 503
    code = "calendar_unavailable"
