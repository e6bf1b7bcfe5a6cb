"""Server-rendered pages: one jinja2 Environment per application, built in the factory, kept under an AppKey.

Templates are package data of :mod:`broker.web` (``broker/web/templates/``), found through a PackageLoader, so
an installed broker finds them without path arithmetic.
"""

from __future__ import annotations

import jinja2
from aiohttp import web

from broker.web.appkeys import TEMPLATES
from broker.web.security_headers import CSP_NONCE

#: Headers of every HTML page (the security headers are added by :mod:`broker.web.security_headers`).
PAGE_HEADERS = {"Cache-Control": "no-store"}


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("broker.web", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )


def render(
    request: web.Request, name: str, status: int = 200, *, headers: dict[str, str] | None = None, **context: object
) -> web.Response:
    html = request.app[TEMPLATES].get_template(name).render(csp_nonce=request.get(CSP_NONCE, ""), **context)
    return web.Response(
        text=html, status=status, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS | (headers or {})
    )
