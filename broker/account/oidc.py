"""Sign-in through the provincial identity platform (OpenID Connect), the production path.

``GET /signin/oidc`` sends the browser to the platform (code flow, PKCE S256, ``state``, ``nonce``);
``GET /signin/oidc/callback`` redeems the code, validates the ID token (signature against the platform's JWKS,
``iss``, ``aud``, ``exp``, ``nonce``), maps its claims to the subject (USCC or resident ID) and opens the same
Redis session as the built-in sign-in. Off — both routes 404 — unless ``oidc_issuer`` is configured.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from broker.account.appkeys import VAULT
from broker.errors import ApiError
from broker.web.appkeys import ACCOUNTS, REDIS, SESSIONS, SETTINGS
from broker.web.redirects import local_path
from broker.web.sessions import SESSION_COOKIE, set_cookie
from consent.accounts import Account
from consent.oidc import OidcError, authorization_request
from consent.oidc_signin import (
    PENDING_TTL_S,
    IdentityPlatformUnavailable,
    OidcProvider,
    PendingSignIn,
    PendingSignIns,
)

#: Binds a pending sign-in to the browser that started it (a stolen ``state`` is useless elsewhere).
OIDC_BROWSER_COOKIE = "jjj_oidc"
OIDC = web.AppKey("oidc", OidcProvider)
OIDC_PENDING = web.AppKey("oidc_pending", PendingSignIns)


class OidcSignInRefused(ApiError):
    status = 401
    code = "oidc_sign_in_refused"


class OidcUnavailable(ApiError):
    status = 503
    code = "identity_platform_unavailable"


async def oidc_ctx(app: web.Application) -> AsyncIterator[None]:
    """With ``oidc_issuer`` set: one HTTP client session for the platform, for the process lifetime."""
    settings = app[SETTINGS]
    if settings.oidc_issuer is None:
        yield
        return
    if not settings.oidc_client_id or settings.oidc_client_secret is None:
        raise ValueError("oidc_client_id, oidc_client_secret: required when oidc_issuer is set")
    session = aiohttp.ClientSession()
    try:
        app[OIDC] = OidcProvider(
            session, settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value()
        )
        app[OIDC_PENDING] = PendingSignIns(app[REDIS], settings.redis_prefix)
        yield
    finally:
        await session.close()


def _provider(request: web.Request) -> OidcProvider:
    provider = request.app.get(OIDC)
    if provider is None:
        raise web.HTTPNotFound(text="sign-in through the identity platform is not configured")
    return provider


def _redirect_uri(request: web.Request) -> str:
    return request.app[SETTINGS].public_base_url.rstrip("/") + "/signin/oidc/callback"


async def start(request: web.Request) -> web.StreamResponse:
    provider = _provider(request)
    try:
        config = await provider.config()
    except IdentityPlatformUnavailable as exc:
        raise OidcUnavailable(str(exc)) from None
    auth = authorization_request(config, _redirect_uri(request))
    browser = secrets.token_urlsafe(32)
    pending = PendingSignIn(auth.nonce, auth.code_verifier, local_path(request.query.get("next") or None))
    await request.app[OIDC_PENDING].put(auth.state, browser, pending)
    response = web.HTTPFound(auth.url)
    set_cookie(response, request, OIDC_BROWSER_COOKIE, browser, PENDING_TTL_S)
    raise response


async def callback(request: web.Request) -> web.StreamResponse:
    provider = _provider(request)
    pending = await request.app[OIDC_PENDING].take(
        request.query.get("state", ""), request.cookies.get(OIDC_BROWSER_COOKIE, "")
    )
    if pending is None:
        raise OidcSignInRefused("state: unknown, used or started in another browser; sign in again")
    if "error" in request.query:
        raise OidcSignInRefused(f"the identity platform answered {request.query['error'][:64]!r}")
    code = request.query.get("code", "")
    if not code or len(code) > 2048:
        raise OidcSignInRefused("code: missing from the identity platform's answer")
    try:
        subject, name = await provider.sign_in(code, _redirect_uri(request), pending.code_verifier, pending.nonce)
    except IdentityPlatformUnavailable as exc:
        raise OidcUnavailable(str(exc)) from None
    except OidcError as exc:
        raise OidcSignInRefused(str(exc)) from None
    accounts = request.app[ACCOUNTS]
    account = Account(accounts.ref(subject), subject.kind, subject.masked, name)
    session_id, _ = await request.app[SESSIONS].create(account)
    # No password reaches the broker here: reports issued in this session re-open until sign-out (vault.py).
    await request.app[VAULT].open_for_session(session_id, account.ref)
    response = web.HTTPSeeOther(pending.next)
    set_cookie(response, request, SESSION_COOKIE, session_id, request.app[SETTINGS].session_ttl_s)
    response.del_cookie(OIDC_BROWSER_COOKIE, path="/")
    raise response
