"""``POST /account/report/stream``: the own-report form, answered as server-sent events while the regions answer.

One request does everything — there is no job kept between requests, so any broker replica can serve it and
nothing is held anywhere once it ends. The page's script (``/static/report-progress.js``) sends the form with
``fetch`` and reads the ``text/event-stream`` body (an ``EventSource`` can only GET, and a report request
changes state and carries the CSRF token). Events, each ``data`` a JSON object:

``start``
    ``{"regions": [{"code", "name", "status": "waiting"}]}`` — the three regions asked;
``region``
    ``{"code", "name", "state": "answered" | "failed", "label"}`` — one region's answer, as it arrives;
``issued``
    ``{"report_no", "complete", "url"}`` — issued; the page goes to ``url``;
``incomplete``
    ``{"regions": {code: status}, "message"}`` — a region did not answer and nothing was issued: the person
    chooses to retry or to accept an incomplete report (the same request with ``accept_incomplete=1``);
``pending``
    ``{"report_no", "url", "message"}`` — an edition with department confirmation: nothing issued yet, the
    departments are confirming; the page goes to ``url`` (the pending report's page);
``failed``
    ``{"message", "field"}`` — refused (a wrong field, no consent, the store down).

A bad form is answered before the stream starts (422 / 403 JSON with ``field``), as any API error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from broker.account.own_report import OwnRequest, own_request, read_own_form, remember
from broker.errors import ApiError
from broker.reports.appkeys import REPORTS
from broker.reports.errors import RegionsUnanswered
from broker.reports.models import IssuedReport
from broker.reports.pending import ReportPending
from broker.web import labels, messages
from broker.web.i18n import N_, gettext
from broker.web.middleware import REQUEST_ID, REQUEST_ID_HEADER
from consent.errors import ConsentError
from consent.sessions import Session
from merge.answers import RegionAnswer
from merge.regions import REGION_ORDER

_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def event(name: str, data: dict[str, Any]) -> bytes:
    """One server-sent event (the data is one line of JSON)."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def region_event(answer: RegionAnswer) -> dict[str, Any]:
    status = answer.status.value
    if answer.answered:
        label = gettext(N_("已应答，用时 %(ms)s 毫秒"), ms=f"{answer.latency_ms:.0f}")
    else:
        label = labels.region_status(status)
    return {
        "code": answer.region_code,
        "name": labels.region(answer.region_code),
        "state": "answered" if answer.answered else "failed",
        "status": status,
        "label": label,
    }


async def report_stream(request: web.Request) -> web.StreamResponse:
    session, form, values = await read_own_form(request)
    own = own_request(request, session, form, values)
    queue: asyncio.Queue[RegionAnswer] = asyncio.Queue()
    response = web.StreamResponse(headers=_HEADERS | {REQUEST_ID_HEADER: request[REQUEST_ID]})
    await response.prepare(request)
    waiting = gettext(N_("等待应答…"))
    start = [
        {"code": r.code, "name": labels.region(r.code), "status": "waiting", "label": waiting} for r in REGION_ORDER
    ]
    await response.write(event("start", {"regions": start}))
    issuing = asyncio.ensure_future(_issue_and_remember(request, session, own, queue.put_nowait))
    try:
        while not issuing.done() or not queue.empty():
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, issuing}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                await response.write(event("region", region_event(getter.result())))
            else:
                getter.cancel()
        await response.write(_outcome(issuing))
    finally:
        if not issuing.done():  # the browser went away: the report is still issued, audited and in my reports
            await asyncio.shield(issuing)
    await response.write_eof()
    return response


async def _issue_and_remember(
    request: web.Request, session: Session, own: OwnRequest, on_region: Callable[[RegionAnswer], None]
) -> tuple[IssuedReport, str | None]:
    """Issue, then keep it in my reports — one task, so a browser that leaves mid-way still finds it there."""
    issued = await request.app[REPORTS].issue(
        own.body, request_id=request[REQUEST_ID], authority=own.authority, on_region=on_region,
        require_complete=not own.accept_incomplete,
    )  # fmt: skip
    return issued, await remember(request, session, issued)


def _outcome(issuing: asyncio.Future[tuple[IssuedReport, str | None]]) -> bytes:
    try:
        issued, page = issuing.result()
    except ReportPending as pending:
        no = pending.state.report_no
        message = gettext(N_("已向相关部门发出确认请求，报告将在部门确认后出具。"))
        return event("pending", {"report_no": no, "url": f"/account/reports/pending/{no}", "message": message})
    except RegionsUnanswered as exc:
        return event("incomplete", {"regions": exc.regions, "message": messages.for_error(exc.code)})
    except (ApiError, ConsentError) as exc:
        return event("failed", {"message": messages.for_error(exc.code, exc.field), "field": exc.field})
    report = issued.report
    data: dict[str, Any] = {"report_no": report.report_no, "complete": report.complete, "url": page}
    if page is None:  # a session from before owner keys: the code is shown this once, or it would be lost
        data |= {"code": issued.issuance.verification_code, "url": issued.issuance.verify_url}
    return event("issued", data)
