"""What every staff page shares: the app keys of the ticket store, sessions and templates, the signed-in staff
member (else to the sign-in page), and the page frame (region name, user, CSRF token, ``no-store``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from jinja2 import Environment

from adapters.staff.sessions import SESSION_COOKIE, StaffSession, StaffSessions
from adapters.staff.templates import KIND_NAMES, STATUS_NAMES
from adapters.tickets import TicketStore

STORE = web.AppKey("tickets", TicketStore)
SESSIONS = web.AppKey("staff_sessions", StaffSessions)
ENV = web.AppKey("staff_env", Environment)


def page(
    request: web.Request, name: str, session: StaffSession | None, status: int = 200, **values: Any
) -> web.Response:
    text = request.app[ENV].get_template(name).render(
        region=request.app[STORE].region.display_name, user=session.username if session else None,
        csrf=session.csrf if session else values.pop("csrf", ""), kinds=KIND_NAMES, statuses=STATUS_NAMES, **values,
    )  # fmt: skip
    response = web.Response(text=text, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def session_of(request: web.Request) -> StaffSession:
    """The signed-in staff member; not signed in, to the sign-in page."""
    session = request.app[SESSIONS].get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise web.HTTPSeeOther("/signin")
    return session
