"""The consent screen: the authorization endpoint shows the signed-in subject, in Chinese, who asks for what.

Approving creates and signs the consent grant, then the authorization code refers to it. Everything OAuth itself
decides is authlib's, through :mod:`consent.oauth.integration`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.clock import CST
from broker.errors import Conflict, CsrfFailed
from broker.oauth.endpoints import insecure
from broker.web.appkeys import CLOCK, GRANTS, KEYRING, OAUTH
from broker.web.bodies import form_value, read_form
from broker.web.i18n import N_, gettext
from broker.web.middleware import REQUEST_ID
from broker.web.sessions import CSRF_FIELD, current_session
from broker.web.templates import render
from consent.accounts import Account
from consent.clients import ClientRecord
from consent.errors import GrantNotStored
from consent.grants import GrantArtefact, new_grant_id
from consent.oauth.models import SubjectUser
from consent.oauth.server import OAuthResponse
from consent.oauth.terms import Terms, parse_terms
from consent.oauth.transport import InsecureTransport, to_web_response
from merge.identifiers import SubjectKind
from merge.regions import REGION_ORDER

_OAUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                 "code_challenge_method", "purpose", "window_years", "max_uses", "valid_days")  # fmt: skip


def _params(source: Any) -> dict[str, str]:
    return {k: v for k in _OAUTH_PARAMS if isinstance(v := source.get(k), str)}


async def authorize_page(request: web.Request) -> web.StreamResponse:
    params = _params(request.query)
    try:
        validated = await request.app[OAUTH].validate_authorization(request, params)
    except InsecureTransport:
        return insecure()
    if isinstance(validated, OAuthResponse):
        return to_web_response(validated)
    exchange, _, _ = validated
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin?" + urlencode({"next": request.path_qs}))
    terms = parse_terms(params)
    assert exchange.client is not None
    return render(
        request,
        "consent.html.j2",
        client=exchange.client.record,
        terms=terms,
        regions=[r.display_name for r in REGION_ORDER],
        valid_until=(request.app[CLOCK].now() + timedelta(days=terms.valid_days)).astimezone(CST).date().isoformat(),
        account=session.account,
        person=session.account.kind is SubjectKind.PERSON,
        params=params,
        csrf_token=session.csrf_token,
    )


async def authorize_decision(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin")
    if not session.csrf_ok(form_value(form, CSRF_FIELD)):
        raise CsrfFailed("the form's CSRF token is missing or does not match")
    params = _params(form)
    oauth = request.app[OAUTH]
    try:
        validated = await oauth.validate_authorization(request, params)
    except InsecureTransport:
        return insecure()
    if isinstance(validated, OAuthResponse):
        return to_web_response(validated)
    exchange, oauth_request, grant = validated
    assert exchange.client is not None
    if form_value(form, "decision") != "approve":
        return to_web_response(await oauth.respond_authorization(exchange, oauth_request, grant, None))
    account = session.account
    if account.kind is SubjectKind.PERSON and form_value(form, "resident_id_consent") != "yes":
        return render(request, "consent.html.j2", 422, **_redisplay(request, exchange, params, session))
    artefact = _artefact(request, account, exchange.client.record, parse_terms(params))
    user = SubjectUser(account.ref, artefact.id)
    # authlib makes the code (no I/O); the grant and its code are then stored in one atomic step, so a
    # failure leaves neither (issue 3: nothing half-written).
    response, code_write = oauth.authorization_response(exchange, oauth_request, grant, user)
    try:
        await request.app[GRANTS].create(artefact, artefact.sign(request.app[KEYRING].active), with_write=code_write)
    except GrantNotStored:
        raise Conflict("authorization: the approval could not be recorded; nothing was stored, try again") from None
    await request.app[AUDIT].append(
        action=Action.CONSENT_GRANT,
        actor="subject",
        outcome="active",
        subject_key=account.ref,
        grant=artefact.id,
        grantee=artefact.grantee_name,
        purpose=artefact.purpose_code,
        request_id=request[REQUEST_ID],
    )
    return to_web_response(response)


def _redisplay(request: web.Request, exchange: Any, params: dict[str, str], session: Any) -> dict[str, Any]:
    terms = parse_terms(params)
    return {
        "client": exchange.client.record,
        "terms": terms,
        "regions": [r.display_name for r in REGION_ORDER],
        "valid_until": (request.app[CLOCK].now() + timedelta(days=terms.valid_days)).astimezone(CST).date().isoformat(),
        "account": session.account,
        "person": True,
        "params": params,
        "csrf_token": session.csrf_token,
        "error": gettext(N_("自然人须单独勾选同意处理居民身份证号码，方可授权。")),
    }


def _artefact(request: web.Request, account: Account, client: ClientRecord, terms: Terms) -> GrantArtefact:
    """The grant the subject approves: exactly the terms shown on the consent screen, valid from now."""
    now = request.app[CLOCK].now().replace(microsecond=0)
    return GrantArtefact(
        id=new_grant_id(),
        subject_ref=account.ref,
        subject_kind=account.kind,
        subject_masked=account.masked,
        grantee_id=client.client_id,
        grantee_name=client.name,
        purpose_code=terms.purpose.code,
        purpose_text=terms.purpose.name,
        editions=terms.editions,
        regions=tuple(r.code for r in REGION_ORDER),
        window_years=terms.window_years,
        valid_from=now,
        valid_until=now + timedelta(days=terms.valid_days),
        max_uses=terms.max_uses,
        resident_id_consent=account.kind is SubjectKind.PERSON,
        created_at=now,
    )
