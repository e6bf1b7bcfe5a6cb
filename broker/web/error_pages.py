"""Errors as people see them: a friendly page for a browser, the JSON error for an API client.

Content negotiation on ``Accept``: a page when the client names ``text/html`` and prefers it to JSON (every
browser's navigation does); JSON otherwise, ``*/*`` included, so API clients and scripts keep the one error shape.
The page says what happened in the page's language, names the field at fault, and quotes the request id — never
a stack trace or the technical message.
"""

from __future__ import annotations

from aiohttp import web

from broker.web import messages
from broker.web.templates import render


def _quality(accept: str, media: str) -> float:
    best = 0.0
    for part in accept.split(",")[:30]:
        kind, _, params = part.strip().partition(";")
        if kind.strip().lower() != media:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def wants_html(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    html = _quality(accept, "text/html")
    return html > 0 and html >= _quality(accept, "application/json")


def error_page(request: web.Request, status: int, code: str, field: str | None, request_id: str) -> web.Response:
    return render(
        request,
        "error.html.j2",
        status,
        heading=messages.title(status),
        message=messages.for_error(code, field),
        field_label=messages.field_label(field) if field else None,
        http_status=status,
        request_id=request_id,
    )
