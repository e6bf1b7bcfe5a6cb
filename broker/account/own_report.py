"""The signed-in subject's own report, from the account page: one form, one report, its verification code.

The session never holds a person's full resident ID (the broker keeps only an HMAC of it), so a person types
their own number; an enterprise's USCC is public and is filled in. Either way the number must match the
signed-in account: you can only ask for your own report here.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from broker.errors import ApiError, ConsentRequired, CsrfFailed
from broker.reports.appkeys import REPORTS
from broker.reports.models import parse_report_request
from broker.web.appkeys import SETTINGS
from broker.web.bodies import form_value, read_form
from broker.web.middleware import REQUEST_ID, http_error
from broker.web.sessions import CSRF_FIELD, current_session
from broker.web.templates import render
from consent.accounts import subject_ref
from consent.authority import SELF_GRANT, QueryAuthority
from consent.errors import ConsentError
from merge.editions import PURPOSES, Edition
from merge.identifiers import SubjectKind


def form_context(kind: SubjectKind, masked: str) -> dict[str, object]:
    """What the account page needs to show the report form for this kind of subject."""
    if kind is SubjectKind.PERSON:
        editions = [Edition.PERSON]
    else:
        editions = [Edition.STANDARD, Edition.ADMINISTRATIVE, Edition.LISTING]
    return {
        "editions": [(e.value, e.display_name) for e in editions],
        "purposes": [(p.code, p.name) for p in PURPOSES],
        "subject": masked if kind is SubjectKind.ENTERPRISE else "",
    }


async def issue_own_report(request: web.Request) -> web.Response:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin?next=/account")
    form = await read_form(request)
    if not session.csrf_ok(form_value(form, CSRF_FIELD)):
        raise CsrfFailed("the form is stale; reload the page and try again")
    payload = {
        "subject": form_value(form, "subject") or "",
        "edition": form_value(form, "edition") or "",
        "window_years": int(w) if (w := form_value(form, "window_years") or "").isdigit() else w,
        "purpose": form_value(form, "purpose") or "",
    }
    try:
        body = parse_report_request(payload)
        secret = request.app[SETTINGS].subject_key_secret.get_secret_value().encode()
        if subject_ref(secret, body.parsed_subject) != session.account.ref:
            raise ConsentRequired("subject: this is not the number of the signed-in account", field="subject")
        authority = QueryAuthority(
            subject=body.parsed_subject,
            grant_id=SELF_GRANT,
            grantee_id="self",
            grantee_name=session.account.name,
            purpose=body.purpose,
        )
        issued = await request.app[REPORTS].issue(body, request_id=request[REQUEST_ID], authority=authority)
    except (ApiError, ConsentError) as exc:
        status, _ = http_error(exc)
        return render(request, "my_report.html.j2", status, error=exc.message, account=session.account)
    code = issued.issuance.verification_code
    number = issued.report.report_no
    return render(
        request,
        "my_report.html.j2",
        error=None,
        account=session.account,
        report=issued.report.model_dump(mode="json", by_alias=True),
        verification_code=code,
        verify_url=issued.issuance.verify_url,
        json_url=f"/v1/reports/{number}.json?code={quote(code)}",
        pdf_url=f"/v1/reports/{number}.pdf?code={quote(code)}",
    )
