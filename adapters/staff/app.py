"""The node's staff page (aiohttp, its own port: ``jjj adapter serve --staff-port``): credit-centre staff sign in,
see the tickets (overdue ones flagged, the indicators on top), open one, and accept or reject it.

Security: staff accounts only (``jjj adapter staff add``), scrypt-hashed; a session cookie (HttpOnly,
SameSite=Strict); every POST carries the session's CSRF token (the sign-in form a pre-session one, double-submit
cookie); pages are ``no-store``. Bad input is a 400 naming the field; a decision on a closed ticket a 409.
``/metrics`` serves the ticket gauges (:mod:`adapters.staff.metrics`) without sign-in, as Prometheus scrapes it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.confirmations import ConfirmationStore
from adapters.staff.accounts import StaffAccounts
from adapters.staff.confirmation_pages import add_confirmation_routes
from adapters.staff.frame import ENV, SESSIONS, STORE, page, session_of
from adapters.staff.metrics import TicketGauges, indicators
from adapters.staff.sessions import SESSION_COOKIE, StaffSessions, csrf_ok
from adapters.staff.templates import STATUS_NAMES, environment
from adapters.tickets import TicketNotFound, TicketRefused, TicketStore

_PRE_CSRF = "jjj_staff_csrf"
ACCOUNTS = web.AppKey("staff_accounts", StaffAccounts)
GAUGES = web.AppKey("ticket_gauges", TicketGauges)
RecordsHeld = Callable[[], Awaitable[int]]
RECORDS: web.AppKey[RecordsHeld] = web.AppKey("records_held")


async def signin_form(request: web.Request) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "signin", None, csrf=token, error=None)
    response.set_cookie(_PRE_CSRF, token, httponly=True, samesite="Strict")
    return response


async def signin(request: web.Request) -> web.Response:
    form = await request.post()
    given, expected = form.get("csrf_token"), request.cookies.get(_PRE_CSRF, "")
    if not (isinstance(given, str) and expected and hmac.compare_digest(given, expected)):
        raise web.HTTPBadRequest(text="csrf_token: missing or wrong; reload the sign-in page")
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not username or not isinstance(password, str):
        raise web.HTTPBadRequest(text="username, password: required")
    if not await request.app[ACCOUNTS].check(username, password):
        return page(request, "signin", None, status=401, csrf=expected, error="用户名或密码不正确")
    response = web.HTTPSeeOther("/")
    response.set_cookie(SESSION_COOKIE, request.app[SESSIONS].start(username), httponly=True, samesite="Strict")
    response.del_cookie(_PRE_CSRF)
    raise response


async def signout(request: web.Request) -> web.Response:
    session = session_of(request)
    if not csrf_ok(session, (await request.post()).get("csrf_token")):
        raise web.HTTPBadRequest(text="csrf_token: missing or wrong")
    request.app[SESSIONS].end(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(SESSION_COOKIE)
    raise response


async def _indicators(app: web.Application) -> Any:
    store = app[STORE]
    return indicators(await store.all(), await app[RECORDS]())


async def ticket_list(request: web.Request) -> web.Response:
    session = session_of(request)
    status = request.query.get("status") or None
    if status is not None and status not in STATUS_NAMES:
        raise web.HTTPBadRequest(text="status: one of " + ", ".join(STATUS_NAMES))
    tickets = await request.app[STORE].all(status)
    return page(request, "list", session, tickets=tickets, ind=await _indicators(request.app))


async def ticket_detail(request: web.Request) -> web.Response:
    session = session_of(request)
    try:
        ticket = await request.app[STORE].get(request.match_info["ticket_id"])
    except TicketNotFound:
        raise web.HTTPNotFound(text="ticket: no such ticket") from None
    return page(request, "detail", session, t=ticket)


async def decide(request: web.Request) -> web.Response:
    session = session_of(request)
    form = await request.post()
    if not csrf_ok(session, form.get("csrf_token")):
        raise web.HTTPBadRequest(text="csrf_token: missing or wrong")
    decision, note = form.get("decision"), form.get("note")
    if decision not in ("accept", "reject"):
        raise web.HTTPBadRequest(text="decision: accept or reject")
    if not isinstance(note, str) or not note.strip():
        raise web.HTTPBadRequest(text="note: give the basis (accept) or the reason (reject)")
    ticket_id = request.match_info["ticket_id"]
    try:
        await request.app[STORE].decide(ticket_id, decision == "accept", note=note, staff=session.username)
    except TicketNotFound:
        raise web.HTTPNotFound(text="ticket: no such ticket") from None
    except TicketRefused as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    raise web.HTTPSeeOther(f"/tickets/{ticket_id}")


async def attachment(request: web.Request) -> web.Response:
    session_of(request)
    try:
        index = int(request.match_info["index"])
    except ValueError:
        raise web.HTTPBadRequest(text="index: a number") from None
    found = await request.app[STORE].attachment(request.match_info["ticket_id"], index)
    if found is None:
        raise web.HTTPNotFound(text="attachment: none")
    _name, media, content = found
    headers = {"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    return web.Response(body=content, content_type=media, headers=headers)


async def metrics(request: web.Request) -> web.Response:
    gauges = request.app[GAUGES]
    gauges.update(await _indicators(request.app))
    return web.Response(body=generate_latest(gauges.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_staff_app(
    store: TicketStore,
    accounts: StaffAccounts,
    records_held: RecordsHeld,
    confirmations: ConfirmationStore | None = None,
) -> web.Application:
    """``records_held``: an async callable giving how many records the node holds (the objection rate's base);
    ``confirmations``: the department confirmations' store (None: the node takes none, the pages say so)."""
    app = web.Application(client_max_size=64 * 1024)
    app[STORE] = store
    app[ACCOUNTS] = accounts
    app[SESSIONS] = StaffSessions()
    app[GAUGES] = TicketGauges()
    app[RECORDS] = records_held
    app[ENV] = environment()
    app.router.add_get("/signin", signin_form)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)
    app.router.add_get("/", ticket_list)
    app.router.add_get("/tickets/{ticket_id}", ticket_detail)
    app.router.add_post("/tickets/{ticket_id}/decide", decide)
    app.router.add_get("/tickets/{ticket_id}/attachments/{index}", attachment)
    app.router.add_get("/metrics", metrics)
    add_confirmation_routes(app, confirmations)
    return app
