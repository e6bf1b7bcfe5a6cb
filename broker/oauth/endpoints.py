"""The OAuth 2.0 endpoints a third party's system calls: token, introspection, revocation, RFC 8414 metadata.

Everything OAuth itself decides is authlib's, through :mod:`consent.oauth.integration`; token issue and revocation
are appended to the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from joserfc import jws
from multidict import MultiDictProxy

from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.errors import BodyTooLarge, MalformedBody
from broker.web.appkeys import GRANTS, OAUTH
from broker.web.bodies import read_form
from broker.web.middleware import REQUEST_ID
from consent.oauth.server import metadata
from consent.oauth.transport import InsecureTransport, to_web_response


def insecure() -> web.Response:
    body = {"error": "invalid_request", "error_description": "OAuth requires HTTPS"}
    return web.json_response(body, status=400)


async def authorization_server_metadata(request: web.Request) -> web.Response:
    issuer = request.app[OAUTH].issuer
    return web.json_response(metadata(issuer, lambda path: issuer + path))


class _BadForm(Exception):
    def __init__(self, response: web.Response) -> None:
        self.response = response


async def _form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The endpoint's form; a broken or oversized body is an RFC 6749 ``invalid_request`` (never a 500)."""
    try:
        return await read_form(request)
    except (MalformedBody, BodyTooLarge) as exc:
        body = {"error": "invalid_request", "error_description": exc.message}
        raise _BadForm(web.json_response(body, status=exc.status, headers={"Cache-Control": "no-store"})) from None


async def _subject_key(request: web.Request, claims: Mapping[str, Any]) -> str:
    stored = await request.app[GRANTS].get(str(claims["grant_id"]))
    return stored.artefact.subject_ref if stored is not None else ""


async def token(request: web.Request) -> web.Response:
    try:
        response = await request.app[OAUTH].token(request, await _form(request))
    except InsecureTransport:
        return insecure()
    except _BadForm as bad:
        return bad.response
    if response.status == 200 and isinstance(response.body, dict) and "access_token" in response.body:
        # Our own token, just signed: its claims name the grant and client (``sub`` is the client's own view of
        # the subject; the audit log indexes the subject by its broker-wide key, read from the grant).
        claims = json.loads(jws.extract_compact(response.body["access_token"].encode()).payload)
        await request.app[AUDIT].append(
            action=Action.TOKEN_ISSUE,
            actor=f"client:{claims['client_id']}",
            outcome="issued",
            subject_key=await _subject_key(request, claims),
            grant=claims["grant_id"],
            grantee=claims["client_id"],
            request_id=request[REQUEST_ID],
        )
    return to_web_response(response)


async def introspect(request: web.Request) -> web.Response:
    try:
        return to_web_response(await request.app[OAUTH].introspect(request, await _form(request)))
    except InsecureTransport:
        return insecure()
    except _BadForm as bad:
        return bad.response


async def revoke(request: web.Request) -> web.Response:
    try:
        response, revoked = await request.app[OAUTH].revoke(request, await _form(request))
    except InsecureTransport:
        return insecure()
    except _BadForm as bad:
        return bad.response
    for claims in revoked:
        await request.app[AUDIT].append(
            action=Action.TOKEN_REVOKE,
            actor=f"client:{claims['client_id']}",
            outcome="revoked",
            subject_key=await _subject_key(request, claims),
            grant=str(claims["grant_id"]),
            grantee=str(claims["client_id"]),
            request_id=request[REQUEST_ID],
        )
    return to_web_response(response)
