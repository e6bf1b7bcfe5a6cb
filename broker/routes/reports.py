"""``POST /v1/reports``: one three-region report as canonical JSON."""

from __future__ import annotations

from aiohttp import web

from broker.appkeys import REPORTS, SETTINGS
from broker.auth import report_authority
from broker.issuance import issuance_headers
from broker.middleware import REQUEST_ID
from broker.requests import parse_report_request, read_json


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
