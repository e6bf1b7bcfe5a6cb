"""Security headers on every response, and a Content-Security-Policy on every HTML page.

The policy allows nothing inline and nothing from elsewhere: styles and scripts come from ``/static/`` only (a
per-response nonce is available to templates as ``csp_nonce`` for the rare inline element that must exist), images
from here or ``data:`` (the QR code), no framing (``frame-ancestors 'none'``; ``X-Frame-Options`` for older
browsers). ``form-action`` is left out on purpose: the consent screen's form is answered with a redirect to the
third party, which browsers would block under ``form-action 'self'``. HSTS is sent when the broker's public
address is HTTPS (behind a TLS-terminating proxy the request itself is plain HTTP).
"""

from __future__ import annotations

import secrets

from aiohttp import web

from broker.web.appkeys import SETTINGS
from broker.web.middleware import Handler

CSP_NONCE = web.RequestKey("csp_nonce", str)
_HSTS = "max-age=31536000; includeSubDomains"


def csp(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"script-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    nonce = secrets.token_urlsafe(16)
    request[CSP_NONCE] = nonce
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects and the like are responses too
        response = exc
        _decorate(request, response, nonce)
        raise
    _decorate(request, response, nonce)
    return response


def _decorate(request: web.Request, response: web.StreamResponse, nonce: str) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.app[SETTINGS].public_base_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", _HSTS)
    if response.content_type == "text/html":
        headers["Content-Security-Policy"] = csp(nonce)
        headers.setdefault("X-Frame-Options", "DENY")
