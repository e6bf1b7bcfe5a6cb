"""``GET /``: the public guide (办事指南) — what the report replaces, who may apply, editions, purposes, the steps."""

from __future__ import annotations

from aiohttp import web

from broker.account.choices import edition_cards, purpose_list
from broker.web.sessions import current_session
from broker.web.templates import render


async def home(request: web.Request) -> web.Response:
    session = await current_session(request)
    return render(
        request,
        "home.html.j2",
        account=session.account if session else None,
        csrf_token=session.csrf_token if session else "",
        editions=edition_cards(),
        purposes=purpose_list(),
    )
