"""Who is signed in: the session cookie, CSRF checks for cookie-authenticated changes, and the Bearer header.

Cookies are HttpOnly, SameSite=Lax, and Secure everywhere but loopback. The sign-in form uses a double-submit
CSRF cookie (there is no session yet to hold a token); every later form and JSON change the session's own token.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from broker.errors import CsrfFailed, Unauthenticated
from broker.web.appkeys import SESSIONS, SETTINGS
from consent.sessions import Session

SESSION_COOKIE = "jjj_session"
#: Double-submit CSRF cookie for the sign-in form (there is no session yet to hold a token).
SIGNIN_CSRF_COOKIE = "jjj_signin_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int) -> None:
    """HttpOnly, SameSite=Lax, and Secure whenever the broker's public address is HTTPS (browsers drop Secure
    cookies over plain HTTP, so a loopback development broker on http:// sets them without)."""
    secure = request.app[SETTINGS].public_base_url.startswith("https://")
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax", secure=secure, path="/")


def new_signin_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_signin_csrf(request: web.Request, submitted: str | None) -> None:
    cookie = request.cookies.get(SIGNIN_CSRF_COOKIE)
    if not cookie or not submitted or not secrets.compare_digest(cookie, submitted):
        raise CsrfFailed("the form's CSRF token is missing or does not match; reload the page and try again")


async def current_session(request: web.Request) -> Session | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    return await request.app[SESSIONS].get(session_id)


async def require_session(request: web.Request, csrf: str | None = None, *, check_csrf: bool = False) -> Session:
    session = await current_session(request)
    if session is None:
        raise Unauthenticated("sign in first (POST /signin)")
    if check_csrf and not session.csrf_ok(csrf if csrf is not None else request.headers.get(CSRF_HEADER)):
        raise CsrfFailed(f"state-changing requests need the session's CSRF token ({CSRF_HEADER} or form field)")
    return session


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
