"""Middlewares: request ids, and rendering every error as JSON with a code and a message.

Errors are translated here, once: API errors carry their own status; the consent layer's errors (which know no
HTTP) are mapped through :data:`CONSENT_STATUS`, so no handler wraps its calls to translate them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from broker.errors import ApiError, MethodNotAllowed, NotFound, error_body
from consent.errors import (
    ConsentError,
    ConsentStoreUnavailable,
    GrantConflict,
    GrantMismatch,
    GrantNotFound,
    GrantNotStored,
)

log = logging.getLogger("jjj.broker")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID = web.RequestKey("request_id", str)
REQUEST_ID_HEADER = "X-Request-Id"
#: Set when the request was refused because the consent store (Redis) was unreachable: the Redis-error metric.
STORE_DOWN = web.RequestKey("store_down", bool)

#: HTTP status of each consent-layer error; a subclass not listed takes its nearest listed base's.
CONSENT_STATUS: dict[type[ConsentError], int] = {
    ConsentStoreUnavailable: 503,  # fail closed: nothing was queried or changed
    GrantNotFound: 404,
    GrantConflict: 409,
    GrantNotStored: 409,
    GrantMismatch: 403,
    ConsentError: 400,
}


def consent_status(exc: ConsentError) -> int:
    return next(CONSENT_STATUS[cls] for cls in type(exc).__mro__ if cls in CONSENT_STATUS)


def http_error(exc: ApiError | ConsentError) -> tuple[int, dict[str, object]]:
    """The status and JSON body an error is answered with."""
    if isinstance(exc, ApiError):
        return exc.status, exc.to_json()
    return consent_status(exc), error_body(exc.code, exc.message, exc.field)


def _clean_request_id(value: str | None) -> str:
    # A caller's id is echoed into logs and to the nodes, so only short, plain ids are kept.
    if value and len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value):
        return value
    return secrets.token_hex(12)


def error_response(error: ApiError | ConsentError, request_id: str, request: web.Request | None = None) -> web.Response:
    """The error as JSON, or as a page when ``request`` comes from a browser (:mod:`broker.web.error_pages`)."""
    status, body = http_error(error)
    # Imported here: the pages need the templates, which need this module's request keys.
    from broker.web.error_pages import error_page, wants_html

    response: web.Response | None = None
    if request is not None and wants_html(request):
        try:
            response = error_page(request, status, error.code, error.field, request_id)
        except Exception:  # a page that cannot be drawn must not hide the error: JSON then
            log.exception("error page failed (request %s)", request_id)
    if response is None:
        response = web.json_response(body, status=status)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _clean_request_id(request.headers.get(REQUEST_ID_HEADER))
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except (ApiError, ConsentError) as exc:
        if isinstance(exc, ConsentStoreUnavailable):
            request[STORE_DOWN] = True
        return error_response(exc, request_id, request)
    except web.HTTPNotFound:
        return error_response(NotFound(f"no such endpoint: {request.path}"), request_id, request)
    except web.HTTPMethodNotAllowed:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.path}")
        return error_response(error, request_id, request)
    except web.HTTPException:
        raise
    except Exception:
        # The exception's text may quote data; log the traceback for operators, answer with nothing specific.
        log.exception("unhandled error (request %s)", request_id)
        return error_response(ApiError("internal error; quote the request id when reporting it"), request_id, request)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
