"""``POST /v1/reports``: one three-region report as canonical JSON."""

from __future__ import annotations

from aiohttp import web

from broker.appkeys import REPORTS, SETTINGS
from broker.errors import ConsentRequired
from broker.middleware import REQUEST_ID
from broker.requests import parse_report_request, read_json
from consent.authority import SELF_GRANT, QueryAuthority


async def create_report(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = parse_report_request(await read_json(request, settings.max_body_bytes))
    if not settings.dev_reports_without_consent:
        # Until sign-in and consent grants land, reports are served only behind the development switch.
        raise ConsentRequired(
            "reports need the subject's consent; consent grants are not available yet in this build "
            "(development only: set JJJ_DEV_REPORTS_WITHOUT_CONSENT=true)"
        )
    authority = QueryAuthority(
        subject=body.parsed_subject,
        grant_id=SELF_GRANT,
        grantee_id="development-switch",
        grantee_name="development switch (no consent check)",
        purpose=body.purpose,
    )
    issued = await request.app[REPORTS].issue(body, request_id=request[REQUEST_ID], authority=authority)
    return web.Response(
        body=issued.body,
        content_type="application/json",
        charset="utf-8",
        headers={"X-Report-Digest": issued.digest, "Cache-Control": "no-store"},
    )
