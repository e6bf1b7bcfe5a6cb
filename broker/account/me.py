"""``GET /v1/me`` and ``GET /v1/me/queries``: the signed-in subject, and "who queried me".

The history comes from the hash-chained audit log (broker/audit/): every ``report.issue`` entry about the
subject — time, grantee, purpose, grant, outcome — and every ``report.lookup``: one of its reports verified or
downloaded by its code (``via``: ``verify``, ``download:json|pdf|jws``). Nothing in it is record content.
"""

from __future__ import annotations

from aiohttp import web

from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.web.sessions import require_session

_HISTORY = 100


async def query_history(request: web.Request, subject_ref: str) -> list[dict[str, str]]:
    entries = await request.app[AUDIT].entries_for_subject(subject_ref, count=_HISTORY)
    return [
        {
            "time": e.time,
            "grantee": e.grantee,
            "grantee_name": e.detail.get("grantee_name", e.grantee),
            "purpose": e.purpose,
            "grant": e.grant,
            "outcome": e.outcome,
            "request_id": e.request_id,
            "action": e.action,
            "report_no": e.detail.get("report_no", ""),
            "via": e.detail.get("via", ""),
        }
        for e in entries
        if e.action in (Action.REPORT_ISSUE, Action.REPORT_LOOKUP)
    ]


async def me(request: web.Request) -> web.Response:
    session = await require_session(request)
    account = session.account
    return web.json_response(
        {"subject": account.masked, "kind": account.kind.value, "name": account.name, "csrf_token": session.csrf_token},
        headers={"Cache-Control": "no-store"},
    )


async def my_queries(request: web.Request) -> web.Response:
    session = await require_session(request)
    history = await query_history(request, session.account.ref)
    return web.json_response({"queries": history}, headers={"Cache-Control": "no-store"})
