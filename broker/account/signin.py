"""Sign-in once (built-in accounts), sign-out, and the account page (grants, "who queried me").

Forms carry CSRF tokens: the sign-in form a double-submit cookie (no session yet), every later form the
session's own token. Failed sign-ins are throttled (:mod:`consent.signin_limits`): an address that keeps failing is
refused (429), an account under attack answers failures slowly, and the owner is never locked out.
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from broker.account.appkeys import VAULT
from broker.errors import CsrfFailed, TooManyAttempts
from broker.web import messages
from broker.web.appkeys import ACCOUNTS, SESSIONS, SETTINGS, SIGNIN_LIMITER
from broker.web.bodies import form_value, read_form
from broker.web.i18n import N_, gettext
from broker.web.redirects import local_path
from broker.web.sessions import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGNIN_CSRF_COOKIE,
    check_signin_csrf,
    current_session,
    new_signin_csrf,
    set_cookie,
)
from broker.web.templates import render
from merge.identifiers import InvalidIdentifier, parse_subject

_SIGNIN_FORM_TTL_S = 3600
_RESIDENT_ID_SHAPE = re.compile(r"\d{17}[\dXx]")
_WRONG = N_("账号或密码不正确")


def _signin_page(
    request: web.Request, *, status: int = 200, error: str | None = None, subject: str = "", field: str | None = None
) -> web.Response:
    csrf = new_signin_csrf()
    response = render(
        request,
        "signin.html.j2",
        status=status,
        csrf_token=csrf,
        next=local_path(request.query.get("next") or None),
        error=error,
        field=field,
        subject=subject,
        oidc=request.app[SETTINGS].oidc_issuer is not None,
    )
    set_cookie(response, request, SIGNIN_CSRF_COOKIE, csrf, _SIGNIN_FORM_TTL_S)
    return response


async def signin_page(request: web.Request) -> web.Response:
    return _signin_page(request)


async def signin(request: web.Request) -> web.Response:
    form = await read_form(request)
    check_signin_csrf(request, form_value(form, CSRF_FIELD))
    raw_subject = (form_value(form, "subject") or "").strip()
    password = form_value(form, "password") or ""
    target = local_path(form_value(form, "next"))
    try:
        subject = parse_subject(raw_subject)
    except InvalidIdentifier:
        # What was typed is kept, unless it has the shape of a resident ID (never written back into a page).
        kept = "" if _RESIDENT_ID_SHAPE.fullmatch(raw_subject) else raw_subject[:18]
        return _signin_page(request, status=422, error=messages.for_field("subject"), field="subject", subject=kept)
    accounts, limiter = request.app[ACCOUNTS], request.app[SIGNIN_LIMITER]
    ref, address = accounts.ref(subject), request.remote or "unknown"
    # Only this address's own failures can stop it; others' failures on the account only slow failures down.
    if not await limiter.allowed(ref, address):
        raise TooManyAttempts("too many failed sign-in attempts from this address; wait a few minutes and try again")
    account = await accounts.authenticate(subject, password)
    if account is None:
        await asyncio.sleep(limiter.delay_s(await limiter.failed(ref, address)))
        # Never echo a full resident ID back, even to the person typing it.
        return _signin_page(request, status=401, error=gettext(_WRONG), subject=subject.masked)
    await limiter.succeeded(ref, address)
    session_id, _ = await request.app[SESSIONS].create(account)
    # The owner key (my reports) comes from the password, now, while the broker has it (broker/account/vault.py).
    await request.app[VAULT].open_with_password(session_id, account.ref, password)
    response = web.HTTPSeeOther(target)
    set_cookie(response, request, SESSION_COOKIE, session_id, request.app[SETTINGS].session_ttl_s)
    response.del_cookie(SIGNIN_CSRF_COOKIE, path="/")
    raise response


async def signout(request: web.Request) -> web.Response:
    form = await read_form(request)
    session = await current_session(request)
    if session is not None:
        if not session.csrf_ok(form_value(form, CSRF_FIELD)):
            raise CsrfFailed("the form's CSRF token is missing or does not match")
        await request.app[SESSIONS].delete(request.cookies[SESSION_COOKIE])
        await request.app[VAULT].close(request.cookies[SESSION_COOKIE])
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
