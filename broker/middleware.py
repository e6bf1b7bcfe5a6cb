"""Middlewares: request ids, and rendering every error as JSON with a code and a message."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from broker.errors import ApiError, MethodNotAllowed, NotFound

log = logging.getLogger("jjj.broker")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID = web.RequestKey("request_id", str)
REQUEST_ID_HEADER = "X-Request-Id"


def _clean_request_id(value: str | None) -> str:
    # A caller's id is echoed into logs and to the nodes, so only short, plain ids are kept.
    if value and len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value):
        return value
    return secrets.token_hex(12)


def error_response(error: ApiError, request_id: str) -> web.Response:
    response = web.json_response(error.to_json(), status=error.status)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _clean_request_id(request.headers.get(REQUEST_ID_HEADER))
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except ApiError as exc:
        return error_response(exc, request_id)
    except web.HTTPNotFound:
        return error_response(NotFound(f"no such endpoint: {request.path}"), request_id)
    except web.HTTPMethodNotAllowed:
        return error_response(MethodNotAllowed(f"{request.method} is not allowed on {request.path}"), request_id)
    except web.HTTPException:
        raise
    except Exception:
        # The exception's text may quote data; log the traceback for operators, answer with nothing specific.
        log.exception("unhandled error (request %s)", request_id)
        return error_response(ApiError("internal error; quote the request id when reporting it"), request_id)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
