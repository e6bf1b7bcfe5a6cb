"""``GET /account``: my grants and who queried me, in plain language; and the revoke confirmation.

Every action on a grant names the grant in its accessible name ("撤回对 示例银行 的授权"); revoking asks first
(``GET /account/grants/{id}/revoke``, a page that works without JavaScript), then posts to the grant API, which
answers a form with a redirect back here and a status message.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from broker.account.me import query_history
from broker.audit.entries import Action
from broker.errors import NotFound
from broker.objections.appkeys import OBJECTIONS
from broker.objections.store import StoredTicket
from broker.web import labels
from broker.web.appkeys import CLOCK, GRANTS
from broker.web.formats import day, moment
from broker.web.i18n import N_, gettext
from broker.web.sessions import current_session
from broker.web.templates import render
from consent.authority import SELF_GRANT
from consent.grant_store import StoredGrant
from consent.sessions import Session
from merge.regions import Region

_CHANGED = {
    "revoke": N_("已撤回授权：被授权方的下一次查询将被拒绝。"),
    "pause": N_("已暂停授权：恢复之前，被授权方无法查询。"),
    "resume": N_("已恢复授权。"),
    "ticket": N_("申请已提交，已转至信息所属地区办理。"),
}
_TICKET_KINDS = {"objection": N_("异议"), "repair": N_("信用修复")}
_TICKET_STATUSES = {"open": N_("处理中"), "accepted": N_("异议成立，已更正"), "approved": N_("准予修复"),
                    "rejected": N_("不予支持")}  # fmt: skip


def ticket_row(ticket: StoredTicket) -> dict[str, Any]:
    """A ticket as the account page lists it: kind, region, status, dates and its status history."""
    return {
        "id": ticket.ticket_id,
        "kind": gettext(_TICKET_KINDS.get(ticket.kind, ticket.kind)),
        "region": labels.region(Region(ticket.region).code),
        "status": ticket.status,
        "status_name": gettext(_TICKET_STATUSES.get(ticket.status, ticket.status)),
        "filed": moment(ticket.filed_at),
        "due": ticket.due_on,
        "history": [
            {"time": moment(e["at"]), "status": gettext(_TICKET_STATUSES.get(e["status"], e["status"]))}
            for e in ticket.history
        ],
    }


def grant_row(stored: StoredGrant, now: Any) -> dict[str, Any]:
    g = stored.artefact
    status = stored.status(now).value
    return {
        "id": g.id,
        "grantee": g.grantee_name,
        "purpose": labels.purpose(g.purpose_code),
        "editions": gettext(N_("、")).join(labels.edition_short(e.value) for e in g.editions),
        "regions": gettext(N_("、")).join(labels.region(code) for code in g.regions),
        "window": gettext(N_("近 %(years)d 年"), years=g.window_years),
        "valid_until": day(g.valid_until.date()),
        "uses": gettext(N_("已用 %(used)d 次，共 %(max)d 次"), used=stored.uses, max=g.max_uses),
        "status": status,
        "status_name": labels.grant_status(status),
    }


def history_row(entry: dict[str, str]) -> dict[str, str]:
    if entry.get("action") == Action.REPORT_LOOKUP:
        download = entry.get("via", "").startswith("download")
        return {
            "time": moment(entry["time"]),
            "who": gettext(N_("核验码持有人")),
            "basis": gettext(N_("凭核验码下载报告")) if download else gettext(N_("凭核验码核验报告")),
            "purpose": entry.get("report_no", ""),
            "outcome": labels.verify_status(entry["outcome"]),
        }
    own = entry["grant"] == SELF_GRANT
    return {
        "time": moment(entry["time"]),
        "who": gettext(N_("本人")) if own else entry["grantee_name"],
        "basis": gettext(N_("本人申请")) if own else gettext(N_("依您的授权")),
        "purpose": labels.purpose(entry["purpose"]),
        "outcome": labels.outcome(entry["outcome"]),
    }


async def _signed_in(request: web.Request) -> Session:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther(f"/signin?next={request.path}")
    return session


async def account_page(request: web.Request) -> web.Response:
    session = await _signed_in(request)
    now = request.app[CLOCK].now()
    grants = [grant_row(g, now) for g in await request.app[GRANTS].for_subject(session.account.ref)]
    history = [history_row(e) for e in await query_history(request, session.account.ref)]
    changed = _CHANGED.get(request.query.get("changed", ""))
    tickets = [
        ticket_row(t) for t in await request.app[OBJECTIONS].tickets(session.account.ref, session.account.kind, now)
    ]
    return render(
        request,
        "account.html.j2",
        account=session.account,
        kind=labels.subject_kind(session.account.kind),
        csrf_token=session.csrf_token,
        grants=grants,
        history=history,
        tickets=tickets,
        changed=gettext(changed) if changed else None,
    )


async def confirm_revoke(request: web.Request) -> web.Response:
    session = await _signed_in(request)
    stored = await request.app[GRANTS].get(request.match_info["grant_id"])
    if stored is None or stored.artefact.subject_ref != session.account.ref:
        raise NotFound("grant: no such grant of yours")
    row = grant_row(stored, request.app[CLOCK].now())
    return render(request, "revoke_confirm.html.j2", account=session.account, csrf_token=session.csrf_token, grant=row)
