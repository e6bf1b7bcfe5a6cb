"""API errors that know their HTTP status and error code; one middleware renders them as JSON.

Errors are translated at the boundary: services raise these (or the consent layer's own errors, which the
middleware maps through its table), never ``web.HTTPException``.
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
        return error_body(self.code, self.message, self.field)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    """``{"error": {"code", "message"[, "field"]}}``: the one shape of every JSON error the broker sends."""
    body: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
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


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"


class ConsentRequired(ApiError):
    status = 403
    code = "consent_required"


class CsrfFailed(ApiError):
    status = 403
    code = "csrf_failed"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class TooManyAttempts(ApiError):
    status = 429
    code = "too_many_attempts"
