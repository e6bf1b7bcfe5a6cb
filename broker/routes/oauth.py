"""The OAuth 2.0 endpoints (authorization, token, introspection, revocation, RFC 8414 metadata).

The authorization endpoint asks the signed-in subject, in Chinese, whether to give the third party a consent
grant with the terms it asked for; approving creates and signs the grant, then the authorization code refers to
it. Everything OAuth itself decides is authlib's, through :mod:`consent.oauth.integration`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jws

from broker.appkeys import AUDIT, GRANTS, KEYRING, OAUTH
from broker.audit import Action
from broker.auth import CSRF_FIELD, Conflict, CsrfFailed, consent_errors, current_session, form_value, render
from broker.middleware import REQUEST_ID
from consent.grant_store import GrantNotStored
from consent.grants import GrantArtefact, new_grant_id
from consent.oauth.integration import InsecureTransport, base_url, to_web_response
from consent.oauth.models import SubjectUser
from consent.oauth.server import OAuthResponse, metadata
from consent.oauth.terms import parse_terms
from merge.identifiers import SubjectKind
from merge.regions import REGION_ORDER

_OAUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                 "code_challenge_method", "purpose", "window_years", "max_uses", "valid_days")  # fmt: skip


def _insecure() -> web.Response:
    body = {"error": "invalid_request", "error_description": "OAuth requires HTTPS"}
    return web.json_response(body, status=400)


async def authorization_server_metadata(request: web.Request) -> web.Response:
    oauth = request.app[OAUTH]
    origin = base_url(request)
    return web.json_response(metadata(oauth.issuer(request), lambda path: origin + path))


def _params(source: Any) -> dict[str, str]:
    return {k: v for k in _OAUTH_PARAMS if isinstance(v := source.get(k), str)}


async def authorize_page(request: web.Request) -> web.StreamResponse:
    params = _params(request.query)
    try:
        validated = await request.app[OAUTH].validate_authorization(request, params)
    except InsecureTransport:
        return _insecure()
    if isinstance(validated, OAuthResponse):
        return to_web_response(validated)
    exchange, _, _ = validated
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin?" + urlencode({"next": request.path_qs}))
    terms = parse_terms(params)
    assert exchange.client is not None
    return render(
        "consent.html.j2",
        client=exchange.client.record,
        terms=terms,
        regions=[r.display_name for r in REGION_ORDER],
        valid_until=(datetime.now(UTC) + timedelta(days=terms.valid_days)).astimezone().date().isoformat(),
        account=session.account,
        person=session.account.kind is SubjectKind.PERSON,
        params=params,
        csrf_token=session.csrf_token,
    )


async def authorize_decision(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin")
    if not session.csrf_ok(form_value(form, CSRF_FIELD)):
        raise CsrfFailed("the form's CSRF token is missing or does not match")
    params = _params(form)
    oauth = request.app[OAUTH]
    async with consent_errors():
        try:
            validated = await oauth.validate_authorization(request, params)
        except InsecureTransport:
            return _insecure()
        if isinstance(validated, OAuthResponse):
            return to_web_response(validated)
        exchange, oauth_request, grant = validated
        if form_value(form, "decision") != "approve":
            return to_web_response(await oauth.respond_authorization(exchange, oauth_request, grant, None))
        account = session.account
        if account.kind is SubjectKind.PERSON and form_value(form, "resident_id_consent") != "yes":
            return render("consent.html.j2", status=422, **_redisplay(exchange, params, session, form))
        terms = parse_terms(params)
        now = datetime.now(UTC).replace(microsecond=0)
        assert exchange.client is not None
        artefact = GrantArtefact(
            id=new_grant_id(),
            subject_ref=account.ref,
            subject_kind=account.kind,
            subject_masked=account.masked,
            grantee_id=exchange.client.record.client_id,
            grantee_name=exchange.client.record.name,
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
        user = SubjectUser(account.ref, artefact.id)
        # authlib makes the code (no I/O); the grant and its code are then stored in one atomic step, so a
        # failure leaves neither (issue 3: nothing half-written).
        response, code_write = oauth.authorization_response(exchange, oauth_request, grant, user)
        try:
            await request.app[GRANTS].create(
                artefact, artefact.sign(request.app[KEYRING].active), with_write=code_write
            )
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


def _redisplay(exchange: Any, params: dict[str, str], session: Any, form: Any) -> dict[str, Any]:
    terms = parse_terms(params)
    return {
        "client": exchange.client.record,
        "terms": terms,
        "regions": [r.display_name for r in REGION_ORDER],
        "valid_until": (datetime.now(UTC) + timedelta(days=terms.valid_days)).astimezone().date().isoformat(),
        "account": session.account,
        "person": True,
        "params": params,
        "csrf_token": session.csrf_token,
        "error": "自然人须单独勾选同意处理居民身份证号码，方可授权。",
    }


async def token(request: web.Request) -> web.Response:
    try:
        async with consent_errors():
            response = await request.app[OAUTH].token(request)
            if response.status == 200 and isinstance(response.body, dict) and "access_token" in response.body:
                # Our own token, just signed: its claims name the subject (HMAC), grant and client.
                claims = json.loads(jws.extract_compact(response.body["access_token"].encode()).payload)
                await request.app[AUDIT].append(
                    action=Action.TOKEN_ISSUE,
                    actor=f"client:{claims['client_id']}",
                    outcome="issued",
                    subject_key=claims["sub"],
                    grant=claims["grant_id"],
                    grantee=claims["client_id"],
                    request_id=request[REQUEST_ID],
                )
            return to_web_response(response)
    except InsecureTransport:
        return _insecure()


async def introspect(request: web.Request) -> web.Response:
    try:
        async with consent_errors():
            return to_web_response(await request.app[OAUTH].introspect(request))
    except InsecureTransport:
        return _insecure()


async def revoke(request: web.Request) -> web.Response:
    try:
        async with consent_errors():
            response, revoked = await request.app[OAUTH].revoke(request)
            for claims in revoked:
                await request.app[AUDIT].append(
                    action=Action.TOKEN_REVOKE,
                    actor=f"client:{claims['client_id']}",
                    outcome="revoked",
                    subject_key=str(claims["sub"]),
                    grant=str(claims["grant_id"]),
                    grantee=str(claims["client_id"]),
                    request_id=request[REQUEST_ID],
                )
            return to_web_response(response)
    except InsecureTransport:
        return _insecure()
