"""The subject's consent grants: list them, and revoke, pause or resume one — one action each.

State changes go straight to Redis (one atomic script), so they hold for the very next request on every
broker replica. Cookie-authenticated, so each change needs the session's CSRF token (header or form field).
Forms (the account page) are answered with a redirect back to it; JSON callers get the new status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.errors import NotFound
from broker.web.appkeys import CLOCK, GRANTS
from broker.web.bodies import form_value, read_form
from broker.web.middleware import REQUEST_ID
from broker.web.sessions import CSRF_FIELD, CSRF_HEADER, require_session
from consent.grant_store import GrantAction, StoredGrant

_AUDIT_ACTIONS = {
    GrantAction.REVOKE: Action.CONSENT_REVOKE,
    GrantAction.PAUSE: Action.CONSENT_PAUSE,
    GrantAction.RESUME: Action.CONSENT_RESUME,
}


def grant_json(grant: StoredGrant, now: datetime) -> dict[str, Any]:
    return {
        **grant.artefact.model_dump(mode="json", exclude={"subject_ref"}),
        "status": grant.status(now).value,
        "uses": grant.uses,
        "changed_at": grant.changed_at.isoformat(),
        "jws": grant.jws,
    }


async def list_grants(request: web.Request) -> web.Response:
    session = await require_session(request)
    grants = await request.app[GRANTS].for_subject(session.account.ref)
    now = request.app[CLOCK].now()
    return web.json_response({"grants": [grant_json(g, now) for g in grants]}, headers={"Cache-Control": "no-store"})


async def change_grant(request: web.Request) -> web.Response:
    try:
        action = GrantAction(request.match_info["action"])
    except ValueError:
        raise NotFound(f"no such action: {request.match_info['action']}") from None
    is_form = request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}
    csrf = form_value(await read_form(request), CSRF_FIELD) if is_form else request.headers.get(CSRF_HEADER)
    session = await require_session(request, csrf, check_csrf=True)
    grant_id = request.match_info["grant_id"]
    now = request.app[CLOCK].now()
    # GrantNotFound (404) and GrantConflict (409) are answered by the error middleware, naming ``grant``.
    status = await request.app[GRANTS].change(grant_id, session.account.ref, action, now)
    await request.app[AUDIT].append(
        action=_AUDIT_ACTIONS[action],
        actor="subject",
        outcome=status.value,
        subject_key=session.account.ref,
        grant=grant_id,
        request_id=request[REQUEST_ID],
    )
    if is_form:
        raise web.HTTPSeeOther(f"/account?changed={action.value}#grants")
    return web.json_response({"grant": grant_id, "status": status.value})
