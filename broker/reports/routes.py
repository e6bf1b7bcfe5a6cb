"""``POST /v1/reports``: one three-region report as canonical JSON."""

from __future__ import annotations

from aiohttp import web

from broker.reports.appkeys import REPORTS
from broker.reports.authority import report_authority
from broker.reports.issuance import issuance_headers
from broker.reports.models import ReportRequestBody, parse_report_request
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
    issued = await request.app[REPORTS].issue(body, request_id=request[REQUEST_ID], authority=authority)
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
        "413": error("the body is too large"),
        "422": error("a field is invalid; `field` names it"),
        "503": error("the consent store is unreachable; nothing was queried"),
    },
}

ROUTES = (
    Route(
        "POST",
        "/v1/reports",
        create_report,
        _CREATE,
        models=((ReportRequestBody, "validation"), (Report, "serialization")),
    ),
)
