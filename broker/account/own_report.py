"""The signed-in subject's own report: the request form, and issuing it without JavaScript.

``GET /account/report`` shows the form — editions and purposes for the subject's kind only. ``POST
/account/report`` issues the report and sends the browser to it (``/account/reports/{no}``); with JavaScript the
same form is sent to ``POST /account/report/stream`` instead (:mod:`broker.reports.progress`), which shows the
regions answer live. Either way a report is issued only when all three regions answered, unless the person chose
to accept an incomplete one (``accept_incomplete=1``): otherwise the form comes back with each region's state and
the two choices, retry or accept.

The session never holds a person's full resident ID (the broker keeps only an HMAC of it), so a person types
their own number, and it is never written back into a page; an enterprise's USCC is public and is filled in.
Either way the number must match the signed-in account: you can only ask for your own report here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from broker.account.appkeys import REPORT_LIST, VAULT
from broker.account.choices import PURPOSES_BY_KIND, editions_for, purposes_for
from broker.account.report_view import render_report
from broker.errors import ApiError, ConsentRequired, CsrfFailed, InvalidRequest
from broker.reports.appkeys import REPORTS
from broker.reports.errors import RegionsUnanswered
from broker.reports.models import IssuedReport, ReportRequestBody, parse_report_request
from broker.reports.pending import ReportPending
from broker.web import messages
from broker.web.appkeys import SETTINGS
from broker.web.bodies import form_value, read_form
from broker.web.middleware import REQUEST_ID, http_error
from broker.web.sessions import CSRF_FIELD, SESSION_COOKIE, current_session
from broker.web.templates import render
from consent.accounts import subject_ref
from consent.authority import SELF_GRANT, QueryAuthority
from consent.errors import ConsentError
from consent.sessions import Session
from merge.identifiers import SubjectKind
from merge.regions import REGION_ORDER

_FIELDS = ("subject", "edition", "window_years", "purpose")


@dataclass(frozen=True, slots=True)
class OwnRequest:
    session: Session
    body: ReportRequestBody
    authority: QueryAuthority
    accept_incomplete: bool


def form_context(session: Session, values: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """What the request page needs: the choices for this kind of subject, what was typed, errors, progress."""
    kind = session.account.kind
    typed = dict(values or {})
    if kind is SubjectKind.ENTERPRISE:
        typed.setdefault("subject", session.account.masked)  # a USCC is public: the form comes filled in
    else:
        typed["subject"] = ""  # a full resident ID is never written into a page
    editions = editions_for(kind)
    typed.setdefault("edition", editions[0].code)
    typed.setdefault("window_years", "3")
    typed.setdefault("purpose", PURPOSES_BY_KIND[kind][0])
    return {
        "account": session.account,
        "csrf_token": session.csrf_token,
        "person": kind is SubjectKind.PERSON,
        "editions": editions,
        "purposes": purposes_for(kind),
        "values": typed,
        "errors": {},
        "error": None,
        "regions": [{"code": r.code, "name": r.display_name, "status": None} for r in REGION_ORDER],
        "choice": False,
        **extra,
    }


def _values(form: MultiDictProxy[Any]) -> dict[str, str]:
    return {name: (form_value(form, name) or "").strip() for name in _FIELDS}


async def read_own_form(request: web.Request) -> tuple[Session, MultiDictProxy[Any], dict[str, str]]:
    """The signed-in subject, the form, and its fields as typed (to show again if something is wrong)."""
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin?next=/account/report")
    form = await read_form(request)
    return session, form, _values(form)


def own_request(
    request: web.Request, session: Session, form: MultiDictProxy[Any], values: dict[str, str]
) -> OwnRequest:
    """The request the form makes; ApiError naming the field when it makes none."""
    if not session.csrf_ok(form_value(form, CSRF_FIELD)):
        raise CsrfFailed("the form is stale; reload the page and try again")
    window = values["window_years"]
    payload: dict[str, object] = {k: v for k, v in values.items() if k != "window_years"}
    payload["window_years"] = int(window) if window.isdigit() else window
    body = parse_report_request(payload)
    if body.purpose not in PURPOSES_BY_KIND[session.account.kind]:
        raise InvalidRequest("purpose: not offered for this kind of subject", field="purpose")
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
    return OwnRequest(session, body, authority, form_value(form, "accept_incomplete") == "1")


async def remember(request: web.Request, session: Session, issued: IssuedReport) -> str | None:
    """Keep the report in "my reports" under the owner key; its page, or None when this session has no key."""
    key = await request.app[VAULT].key(request.cookies.get(SESSION_COOKIE, ""), session.account.ref)
    if key is None:
        return None
    report = issued.report
    await request.app[REPORT_LIST].add(
        session.account.ref, key, report_no=report.report_no, code=issued.issuance.verification_code,
        issued_at=report.issued_at.isoformat(), edition=report.edition.value, purpose=report.purpose,
        complete=report.complete,
    )  # fmt: skip
    return f"/account/reports/{report.report_no}"


def form_error(
    request: web.Request, session: Session, values: dict[str, str], exc: ApiError | ConsentError
) -> web.Response:
    status, _ = http_error(exc)
    field = exc.field if exc.field in _FIELDS else None
    errors = {field: messages.for_field(field, exc.code)} if field else {}
    context = form_context(session, values, errors=errors, error=None if field else messages.for_error(exc.code))
    return render(request, "report_request.html.j2", status, **context)


async def request_page(request: web.Request) -> web.Response:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin?next=/account/report")
    return render(request, "report_request.html.j2", **form_context(session))


async def issue_own_report(request: web.Request) -> web.Response:
    """The form without JavaScript: issue, then show the report (or the regions' states and the choice)."""
    session, form, values = await read_own_form(request)
    try:
        own = own_request(request, session, form, values)
        issued = await request.app[REPORTS].issue(
            own.body,
            request_id=request[REQUEST_ID],
            authority=own.authority,
            require_complete=not own.accept_incomplete,
        )
    except ReportPending as pending:
        from broker.account.pending_page import render_pending  # it builds on this module

        return render_pending(request, session, pending.state)
    except RegionsUnanswered as exc:
        regions = [{"code": r.code, "name": r.display_name, "status": exc.regions.get(r.code)} for r in REGION_ORDER]
        context = form_context(session, values, regions=regions, choice=True)
        return render(request, "report_request.html.j2", **context)
    except (ApiError, ConsentError) as exc:
        return form_error(request, session, values, exc)
    page = await remember(request, session, issued)
    if page is None:  # a session from before owner keys: the report is shown this once, with its code
        return render_report(request, session, issued.report, issued.issuance.verification_code, fresh=True)
    raise web.HTTPSeeOther(page)
