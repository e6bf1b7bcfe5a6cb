"""``POST /v1/reports``: one three-region report as canonical JSON."""

from __future__ import annotations

from aiohttp import web

from broker.reports.appkeys import REPORTS
from broker.reports.authority import report_authority
from broker.reports.issuance import issuance_headers
from broker.reports.models import IssuedReport, ReportRequestBody, parse_report_request
from broker.reports.pending import ReportPending
from broker.web.appkeys import SETTINGS
from broker.web.bodies import read_json
from broker.web.middleware import REQUEST_ID
from broker.web.openapi import error, ref
from broker.web.routing import Route
from merge.report import Report


async def create_report(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = parse_report_request(await read_json(request, settings.max_body_bytes))
    # Session (own report) or Bearer token (a grant covering this query), the use counted; the consent store
    # is read before any region is asked, so if it is down nothing is queried (503, fail closed).
    authority = await report_authority(request, body)
    try:
        issued = await request.app[REPORTS].issue(body, request_id=request[REQUEST_ID], authority=authority)
    except ReportPending as pending:
        return _pending_response(pending)
    return _report_response(issued)


async def ask_pending(request: web.Request) -> web.Response:
    """Ask again for a report awaiting department confirmation: issued now if nothing is pending any more."""
    reports = request.app[REPORTS]
    entry, body = await reports.pending_request(request.match_info["report_no"])
    authority = await report_authority(request, body, resuming=True)  # the same consent, in force, each time
    try:
        issued = await reports.resume(entry, body, request_id=request[REQUEST_ID], authority=authority)
    except ReportPending as pending:
        return _pending_response(pending)
    return _report_response(issued)


def _pending_response(pending: ReportPending) -> web.Response:
    state = pending.state
    headers = {"Cache-Control": "no-store", "Location": f"/v1/reports/pending/{state.report_no}", "Retry-After": "3600"}
    return web.json_response(state.to_json(), status=202, headers=headers)


def _report_response(issued: IssuedReport) -> web.Response:
    return web.Response(
        body=issued.body,
        content_type="application/json",
        charset="utf-8",
        headers={"X-Report-Digest": issued.digest, "Cache-Control": "no-store", **issuance_headers(issued.issuance)},
    )


#: Extra response headers of ``POST /v1/reports``.
ISSUANCE_HEADERS = {
    "X-Report-Digest": {"schema": {"type": "string"}, "description": "sha256: of the body (the canonical JSON)"},
    "X-Verification-Code": {
        "schema": {"type": "string"},
        "description": "shown once: whoever holds it can verify the report and download its originals",
    },
    "X-Verify-URL": {"schema": {"type": "string"}, "description": "the verification page for this code"},
    "X-Report-JWS-Kid": {"schema": {"type": "string"}, "description": "the key that signed the report's JWS"},
    "Link": {"schema": {"type": "string"}, "description": 'rel="alternate" type="application/jose": the JWS'},
}

_CREATE = {
    "summary": "Issue a three-region public credit report",
    "description": (
        "Asks the Beijing, Tianjin and Hebei nodes at the same time under one deadline and merges their answers. "
        "The body is the report's canonical JSON; X-Report-Digest is its SHA-256. A report with any region "
        "unanswered has complete=false and is not a certificate."
    ),
    "security": [{"session": []}, {"oauth2": ["report:standard"]}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ReportRequestBody")}}},
    "responses": {
        "200": {
            "description": "the report",
            "headers": ISSUANCE_HEADERS,
            "content": {"application/json": {"schema": ref("Report")}},
        },
        "400": error("the body is not a JSON object"),
        "401": error("neither a session nor a valid Bearer access token"),
        "403": error(
            "no consent for this query (own report only when signed in; a grant must cover subject, edition, "
            "window, regions and still be active); or `subject_not_listed`: the edition is restricted to a list "
            "(financial) and every region said the subject is not on it, so nothing was issued"
        ),
        "202": {
            "description": (
                "an edition with department confirmation (financial): the departments owning the records are "
                "confirming them; nothing is issued yet. The body gives the reserved report number, each region's "
                "confirmation counts and due date; ask again with POST /v1/reports/pending/{report_no}"
            ),
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "413": error("the body is too large"),
        "422": error("a field is invalid; `field` names it"),
        "503": error("the consent store is unreachable; nothing was queried"),
    },
}

_PENDING = {
    "summary": "Ask again for a report awaiting department confirmation",
    "description": (
        "Queries the regions again under the same consent (the requester's session, or the grant it was asked "
        "under, checked again: not revoked, paused or expired; no further use counted) with the reserved number. "
        "While a record is still pending: 202 as from POST /v1/reports. Once every record is confirmed, annotated "
        "or past its due date: 200, the report, issued under the reserved number with each department's sealed "
        "confirmation in its region's signed part."
    ),
    "security": [{"session": []}, {"oauth2": ["report:financial"]}],
    "parameters": [{"name": "report_no", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {
        "200": {"description": "the report", "headers": ISSUANCE_HEADERS,
                "content": {"application/json": {"schema": ref("Report")}}},
        "202": {"description": "still awaiting confirmation",
                "content": {"application/json": {"schema": {"type": "object"}}}},
        "401": error("neither a session nor a valid Bearer access token"),
        "403": error("the consent no longer covers the report"),
        "404": error("`pending_not_found`: no report of that number awaits confirmation for this requester"),
        "409": error("`report_issued_already`, or `report_being_issued` by another request at this moment"),
        "503": error("the consent store is unreachable; nothing was queried"),
    },
}  # fmt: skip

ROUTES = (
    Route(
        "POST",
        "/v1/reports",
        create_report,
        _CREATE,
        models=((ReportRequestBody, "validation"), (Report, "serialization")),
    ),
    Route("POST", "/v1/reports/pending/{report_no}", ask_pending, _PENDING),
)
