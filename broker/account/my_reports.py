"""``GET /account/reports`` (my reports) and ``GET /account/reports/{report_no}`` (one of them, re-opened).

Each entry's code is unsealed with this session's owner key (:mod:`broker.account.vault`); with it the report's
status is read and its content opened, exactly as whoever holds the code would. An entry sealed under another key
(issued in an identity-platform session that has ended, or before a password reset) is listed, but opens only
with the code its owner saved.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from broker.account.appkeys import REPORT_LIST, VAULT
from broker.account.pending_page import pending_rows
from broker.account.report_list import ReportEntry
from broker.account.report_view import render_report
from broker.errors import NotFound
from broker.reports.appkeys import SNAPSHOTS
from broker.verify.errors import ReportGone
from broker.web import labels
from broker.web.appkeys import CLOCK
from broker.web.formats import moment
from broker.web.sessions import SESSION_COOKIE, current_session
from broker.web.templates import render
from consent.sessions import Session
from merge.report import Report


async def _signed_in(request: web.Request) -> Session:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther(f"/signin?next={request.path}")
    return session


async def _row(request: web.Request, entry: ReportEntry, code: str | None) -> dict[str, Any]:
    status = None
    if code is not None:
        status = (await request.app[SNAPSHOTS].verify(code, request.app[CLOCK].now())).status.value
    return {
        "report_no": entry.report_no,
        "issued_at": moment(entry.issued_at),
        "edition": labels.edition_short(entry.edition),
        "purpose": labels.purpose(entry.purpose),
        "complete": entry.complete,
        "status": status,
        "status_name": labels.verify_status(status) if status else None,
        "openable": code is not None and status in ("valid", "suspended"),
        "code": code,
    }


async def my_reports(request: web.Request) -> web.Response:
    session = await _signed_in(request)
    ref = session.account.ref
    key = await request.app[VAULT].key(request.cookies.get(SESSION_COOKIE, ""), ref)
    rows = [await _row(request, e, e.code(key, ref)) for e in await request.app[REPORT_LIST].entries(ref)]
    return render(
        request, "my_reports.html.j2", account=session.account, csrf_token=session.csrf_token, rows=rows,
        has_key=key is not None, pending=await pending_rows(request, session),
    )  # fmt: skip


async def open_report(request: web.Request) -> web.Response:
    session = await _signed_in(request)
    ref = session.account.ref
    entry = await request.app[REPORT_LIST].find(ref, request.match_info["report_no"])
    if entry is None:
        raise NotFound("report_no: not one of your reports")
    key = await request.app[VAULT].key(request.cookies.get(SESSION_COOKIE, ""), ref)
    code = entry.code(key, ref)
    if code is None:
        return render(
            request, "report_locked.html.j2", account=session.account, csrf_token=session.csrf_token,
            report_no=entry.report_no,
        )  # fmt: skip
    snapshots = request.app[SNAPSHOTS]
    verification = await snapshots.verify(code, request.app[CLOCK].now())
    canonical = await snapshots.open_json(code)
    if canonical is None:
        raise ReportGone(f"report {entry.report_no} is {verification.status.value}; its content is no longer held")
    report = Report.model_validate_json(canonical)
    return render_report(request, session, report, code, state=verification.status.value)
