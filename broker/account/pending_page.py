"""The portal's page for a report awaiting department confirmation (financial edition).

``GET /account/reports/pending/{report_no}`` shows the request and a "check now" button; ``POST`` (the button,
CSRF-checked) asks the regions again under the owner's own consent (:meth:`ReportService.resume`): still pending,
the page shows each region's confirmations and which departments are still to decide; issued, the report joins
"my reports" and the browser goes to it. Only the signed-in owner of the request sees its page.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from broker.account.own_report import remember
from broker.account.report_view import render_report
from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.errors import ApiError, CsrfFailed
from broker.reports.appkeys import REPORT_STORE, REPORTS
from broker.reports.errors import PendingNotFound
from broker.reports.pending import PendingEntry, PendingState, ReportPending
from broker.web import labels, messages
from broker.web.bodies import form_value, read_form
from broker.web.formats import moment
from broker.web.middleware import REQUEST_ID
from broker.web.sessions import CSRF_FIELD, current_session
from broker.web.templates import render
from consent.authority import SELF_GRANT, QueryAuthority
from consent.errors import ConsentError
from consent.sessions import Session
from merge.regions import REGION_ORDER


def pending_context(session: Session, report_no: str, state: PendingState | None) -> dict[str, Any]:
    regions = []
    by_code = {r.region_code: r for r in state.regions} if state is not None else {}
    for region in REGION_ORDER:
        seen = by_code.get(region.code)
        regions.append({
            "name": labels.region(region.code),
            "status": labels.region_status(seen.status) if seen else None,
            "counts": [(labels.confirmation_status(k), v) for k, v in sorted(seen.counts.items())] if seen else [],
            "waiting_for": seen.waiting_for if seen else (),
            "due_on": seen.due_on.isoformat() if seen and seen.due_on else None,
        })  # fmt: skip
    return {
        "account": session.account, "csrf_token": session.csrf_token, "report_no": report_no,
        "regions": regions, "asked": state is not None,
        "due_on": state.due_on.isoformat() if state is not None and state.due_on else None,
    }  # fmt: skip


async def pending_rows(request: web.Request, session: Session) -> list[dict[str, str]]:
    """The owner's own requests still awaiting confirmation (from the audit trail: nothing else indexes them)."""
    ref = session.account.ref
    entries = await request.app[AUDIT].entries_for_subject(ref, count=100)
    numbers = dict.fromkeys(
        e.detail.get("report_no", "") for e in entries
        if e.action == Action.REPORT_ISSUE and e.outcome == "pending" and e.grant == SELF_GRANT
    )  # fmt: skip
    rows = []
    for number in numbers:
        entry = await request.app[REPORT_STORE].pending(number)
        if entry is not None and entry.status == "pending" and entry.subject_key == ref:
            rows.append({"report_no": number, "requested_at": moment(entry.created_at.isoformat()),
                         "edition": labels.edition_short(entry.edition)})  # fmt: skip
    return rows


def render_pending(request: web.Request, session: Session, state: PendingState) -> web.Response:
    return render(request, "report_pending.html.j2", **pending_context(session, state.report_no, state))


async def _owned(request: web.Request) -> tuple[Session, PendingEntry, Any]:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther(f"/signin?next={request.path}")
    entry, body = await request.app[REPORTS].pending_request(request.match_info["report_no"])
    if entry.subject_key != session.account.ref or entry.grant_id != SELF_GRANT:
        raise PendingNotFound("report_no: not one of your reports awaiting confirmation")
    return session, entry, body


async def pending_page(request: web.Request) -> web.Response:
    session, entry, _body = await _owned(request)
    return render(request, "report_pending.html.j2", **pending_context(session, entry.report_no, None))


async def ask_again(request: web.Request) -> web.Response:
    session, entry, body = await _owned(request)
    form = await read_form(request)
    if not session.csrf_ok(form_value(form, CSRF_FIELD)):
        raise CsrfFailed("the form is stale; reload the page and try again")
    authority = QueryAuthority(
        subject=body.parsed_subject, grant_id=SELF_GRANT, grantee_id="self", grantee_name=session.account.name,
        purpose=body.purpose,
    )  # fmt: skip
    reports = request.app[REPORTS]
    try:
        issued = await reports.resume(entry, body, request_id=request[REQUEST_ID], authority=authority)
    except ReportPending as pending:
        return render_pending(request, session, pending.state)
    except (ApiError, ConsentError) as exc:
        context = pending_context(session, entry.report_no, None) | {"error": messages.for_error(exc.code)}
        return render(request, "report_pending.html.j2", 409, **context)
    page = await remember(request, session, issued)
    if page is None:
        return render_report(request, session, issued.report, issued.issuance.verification_code, fresh=True)
    raise web.HTTPSeeOther(page)
