"""Who is calling: a session cookie (a signed-in subject) or a Bearer access token (a third party under a grant).

Also the consent services' wiring (``consent_ctx``), CSRF checks, and the translation of consent-layer errors
into API errors at this boundary (``consent_errors``: Redis down → 503, fail closed).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from aiohttp import web

from broker.appkeys import ACCOUNTS, CLIENTS, GRANTS, KEYRING, OAUTH, REDIS, SESSIONS, SETTINGS, SIGNIN_LIMITER
from broker.errors import ApiError, ConsentRequired, ConsentStoreUnavailable
from broker.requests import ReportRequestBody
from consent.accounts import AccountStore, subject_ref
from consent.authority import SELF_GRANT, QueryAuthority
from consent.clients import SCOPE_EDITIONS, ClientRegistry
from consent.grant_store import ConsentStoreUnavailable as StoreDown
from consent.grant_store import RedisConsentStore, UseOutcome
from consent.grants import GrantMismatch, check_covers
from consent.oauth.integration import OAuthConfig, OAuthIntegration, is_loopback
from consent.oauth.tokens import InvalidAccessToken, OAuthStore
from consent.sessions import RateLimit, Session, SessionStore, SignInLimiter

SESSION_COOKIE = "jjj_session"
#: Double-submit CSRF cookie for the sign-in form (there is no session yet to hold a token).
SIGNIN_CSRF_COOKIE = "jjj_signin_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"


class CsrfFailed(ApiError):
    status = 403
    code = "csrf_failed"


class TooManyAttempts(ApiError):
    status = 429
    code = "too_many_attempts"


class Conflict(ApiError):
    status = 409
    code = "conflict"


@asynccontextmanager
async def consent_errors() -> AsyncIterator[None]:
    """Consent-layer failures become API errors here (the consent package does not know HTTP)."""
    try:
        yield
    except StoreDown as exc:
        raise ConsentStoreUnavailable(str(exc)) from None


async def consent_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    redis, prefix = app[REDIS], settings.redis_prefix
    secret = settings.subject_key_secret.get_secret_value().encode()
    app[ACCOUNTS] = AccountStore(redis, prefix, secret)
    app[SESSIONS] = SessionStore(redis, prefix, settings.session_ttl_s)
    app[SIGNIN_LIMITER] = SignInLimiter(
        redis,
        prefix,
        RateLimit(settings.signin_attempts_per_account, settings.signin_attempts_per_address, settings.signin_window_s),
    )
    app[GRANTS] = RedisConsentStore(redis, prefix)
    app[CLIENTS] = ClientRegistry(redis, prefix)
    ring = app[KEYRING]
    config = OAuthConfig(
        issuer=settings.oauth_issuer,
        token_lifetime_s=settings.access_token_lifetime_s,
        signing_key=lambda: ring.active,
        verification_keys=ring.verification_keys,
    )
    app[OAUTH] = OAuthIntegration(config, app[CLIENTS], OAuthStore(redis, prefix))
    yield


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


def render(name: str, status: int = 200, **context: object) -> web.Response:
    html = templates().get_template(name).render(**context)
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "frame-ancestors 'none'",
        },
    )


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int) -> None:
    """HttpOnly, SameSite=Lax, and Secure everywhere but loopback (browsers drop Secure cookies over plain HTTP)."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="Lax", secure=not is_loopback(request), path="/"
    )


def new_signin_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_signin_csrf(request: web.Request, submitted: str | None) -> None:
    cookie = request.cookies.get(SIGNIN_CSRF_COOKIE)
    if not cookie or not submitted or not secrets.compare_digest(cookie, submitted):
        raise CsrfFailed("the form's CSRF token is missing or does not match; reload the page and try again")


async def current_session(request: web.Request) -> Session | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    async with consent_errors():
        return await request.app[SESSIONS].get(session_id)


async def require_session(request: web.Request, csrf: str | None = None, *, check_csrf: bool = False) -> Session:
    session = await current_session(request)
    if session is None:
        raise Unauthenticated("sign in first (POST /signin)")
    if check_csrf and not session.csrf_ok(csrf if csrf is not None else request.headers.get(CSRF_HEADER)):
        raise CsrfFailed(f"state-changing requests need the session's CSRF token ({CSRF_HEADER} or form field)")
    return session


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


_REFUSALS = {
    UseOutcome.MISSING: "the grant does not exist",
    UseOutcome.NOT_YET_VALID: "the grant is not valid yet",
    UseOutcome.PAUSED: "the grant is paused by its subject",
    UseOutcome.REVOKED: "the grant was revoked by its subject",
    UseOutcome.EXPIRED: "the grant has expired",
    UseOutcome.EXHAUSTED: "the grant's uses are spent",
}


async def report_authority(request: web.Request, body: ReportRequestBody) -> QueryAuthority:
    """The consent this report request runs under, with the use counted; refuses otherwise.

    Bearer token: verified (signature, typ, iss, aud, expiry), not revoked, scope names the edition, its grant
    covers subject, edition, window and regions, and one use is counted atomically. Session: the subject's own
    report only (checked with the CSRF header, as every cookie-authenticated state change).
    Every check reads Redis now, so a revocation made on any replica holds for this very request.
    """
    subject = body.parsed_subject
    secret = request.app[SETTINGS].subject_key_secret.get_secret_value().encode()
    ref = subject_ref(secret, subject)
    token = _bearer(request)
    async with consent_errors():
        if token is None:
            session = await require_session(request, check_csrf=True)
            if session.account.ref != ref:
                raise ConsentRequired("subject: signed in, you may ask only for your own report", field="subject")
            name = session.account.name
            return QueryAuthority(
                subject=subject, grant_id=SELF_GRANT, grantee_id="self", grantee_name=name, purpose=body.purpose
            )
        try:
            claims = await request.app[OAUTH].bearer_claims(request, token)
        except InvalidAccessToken as exc:
            raise Unauthenticated(f"invalid access token: {exc}") from None
        scopes = str(claims.get("scope", "")).split()
        if f"report:{body.edition.value}" not in scopes or not set(scopes) <= set(SCOPE_EDITIONS):
            raise ConsentRequired(
                f"edition: the token's scope does not include report:{body.edition.value}", field="edition"
            )
        grants = request.app[GRANTS]
        stored = await grants.get(str(claims["grant_id"]))
        if stored is None:
            raise ConsentRequired("the token's grant does not exist")
        try:
            check_covers(stored.artefact, subject_ref=ref, edition=body.edition, window_years=body.window_years)
        except GrantMismatch as exc:
            raise ConsentRequired(exc.message, field=exc.field) from None
        if body.purpose != stored.artefact.purpose_code:
            raise ConsentRequired(f"purpose: the grant is for {stored.artefact.purpose_code}", field="purpose")
        outcome, _ = await grants.use(stored.artefact.id, datetime.now(UTC))
        if outcome is not UseOutcome.OK:
            raise ConsentRequired(f"refused: {_REFUSALS[outcome]}")
    return QueryAuthority(
        subject=subject,
        grant_id=stored.artefact.id,
        grantee_id=stored.artefact.grantee_id,
        grantee_name=stored.artefact.grantee_name,
        purpose=stored.artefact.purpose_code,
    )


def form_value(form: object, name: str) -> str | None:
    value = form.get(name) if hasattr(form, "get") else None
    return value if isinstance(value, str) else None
