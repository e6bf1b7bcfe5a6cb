"""An access log without query strings: verification codes travel as ``?code=…`` and must not reach a log."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class PathOnlyAccessLogger(AbstractAccessLogger):
    """One line per request: ``<remote> "<METHOD> <path>" <status> <bytes> <ms>``, the same as fields (with the
    request id) for the JSON log. The path never includes the query string."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        fields = {
            "remote": request.remote,
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "bytes": response.body_length,
            "ms": round(time * 1000, 1),
            "request_id": response.headers.get("X-Request-Id", ""),
        }
        self.logger.info(
            '%s "%s %s" %s %s %.1fms', request.remote, request.method, request.path, response.status,
            response.body_length, time * 1000, extra=fields,
        )  # fmt: skip
