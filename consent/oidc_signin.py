"""OpenID Connect sign-in, the network half: discovery, JWKS, the code exchange, and the pending sign-ins.

:mod:`consent.oidc` builds the authorization request and validates the ID token without any I/O; this module
fetches what those need from the identity platform (统一身份认证平台) with aiohttp — the discovery document
(``/.well-known/openid-configuration``) and the JWKS, both cached for ``cache_s`` — and redeems the code at the
token endpoint with ``client_secret_basic`` (RFC 6749 §2.3.1) and the PKCE verifier.

Between the redirect to the platform and its callback, the ``state``, ``nonce`` and PKCE verifier wait in Redis
(``{prefix}oidc_pending:{sha256(state)}``, 10 minutes), bound to the browser that started the sign-in by the hash
of a random cookie value; the callback takes them atomically, so a ``state`` is good for one callback only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlsplit

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from consent.errors import store_errors
from consent.oidc import OidcConfig, OidcError, subject_of, validate_id_token
from consent.redis_writes import RedisClient
from merge.identifiers import Subject

PENDING_TTL_S = 600
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class IdentityPlatformUnavailable(Exception):
    """The identity platform could not be reached or answered nonsense; sign-in through it is refused."""


def check_issuer_url(issuer: str) -> str:
    """HTTPS, or HTTP on loopback only (a local test platform); the issuer without a trailing slash."""
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK):
        raise ValueError("oidc_issuer: must be an https:// URL")
    return issuer.rstrip("/")


@dataclass
class _Cached:
    value: Any = None
    fetched_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class OidcProvider:
    """One identity platform: its discovery document and keys (cached), and the code exchange."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        cache_s: float = 3600.0,
        timeout_s: float = 10.0,
    ) -> None:
        self._session = session
        self.issuer = check_issuer_url(issuer)
        self._client_id = client_id
        self._secret = client_secret
        self._cache_s = cache_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._discovery = _Cached()
        self._jwks = _Cached()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._session.get(url, timeout=self._timeout) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise IdentityPlatformUnavailable(f"identity platform: {type(exc).__name__} fetching {url}") from None
        if not isinstance(body, dict):
            raise IdentityPlatformUnavailable(f"identity platform: {url} is not a JSON object")
        return body

    async def _cached(self, slot: _Cached, url: str, *, refresh: bool = False) -> dict[str, Any]:
        async with slot.lock:  # one fetch at a time: concurrent sign-ins share it
            if refresh or slot.value is None or time.monotonic() - slot.fetched_at > self._cache_s:
                slot.value = await self._get_json(url)
                slot.fetched_at = time.monotonic()
            value: dict[str, Any] = slot.value
            return value

    async def config(self) -> OidcConfig:
        """The platform's endpoints from its discovery document (whose ``issuer`` must be exactly ours)."""
        doc = await self._cached(self._discovery, self.issuer + "/.well-known/openid-configuration")
        if doc.get("issuer") != self.issuer:
            raise IdentityPlatformUnavailable("identity platform: the discovery document names another issuer")
        try:
            return OidcConfig(
                issuer=self.issuer,
                client_id=self._client_id,
                client_secret=self._secret,
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
            )
        except KeyError as exc:
            raise IdentityPlatformUnavailable(f"identity platform: discovery lacks {exc.args[0]}") from None

    async def keys(self, *, refresh: bool = False) -> KeySet:
        doc = await self._cached(self._discovery, self.issuer + "/.well-known/openid-configuration")
        jwks_uri = doc.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise IdentityPlatformUnavailable("identity platform: discovery lacks jwks_uri")
        try:
            return KeySet.import_key_set(await self._cached(self._jwks, jwks_uri, refresh=refresh))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise IdentityPlatformUnavailable(f"identity platform: unusable JWKS ({type(exc).__name__})") from None

    async def _exchange(self, config: OidcConfig, code: str, redirect_uri: str, verifier: str) -> str:
        # RFC 6749 §2.3.1: id and secret form-urlencoded before the Basic encoding.
        pair = f"{quote_plus(self._client_id)}:{quote_plus(self._secret)}".encode()
        basic = "Basic " + base64.b64encode(pair).decode("ascii")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": verifier}  # fmt: skip
        try:
            async with self._session.post(
                config.token_endpoint, data=form, headers={"Authorization": basic}, timeout=self._timeout
            ) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise IdentityPlatformUnavailable(
                f"identity platform: {type(exc).__name__} at the token endpoint"
            ) from None
        if status != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise OidcError(f"the identity platform refused the code ({error or status})")
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("the identity platform's token response has no id_token")
        return id_token

    async def sign_in(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> tuple[Subject, str]:
        """Redeem ``code``; the subject and display name of a valid ID token, else ``OidcError``."""
        config = await self.config()
        id_token = await self._exchange(config, code, redirect_uri, verifier)
        keys = await self.keys()
        try:
            kid = extract_compact(id_token.encode()).headers().get("kid")
        except (JoseError, ValueError):
            raise OidcError("the ID token is not a JWS") from None
        if kid is not None and all(key.kid != kid for key in keys.keys):
            keys = await self.keys(refresh=True)  # the platform rotated its keys since we cached them
        claims = validate_id_token(config, id_token, keys, nonce)
        return subject_of(config, claims)


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    nonce: str
    code_verifier: str
    next: str


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PendingSignIns:
    """``state`` → what the callback needs, for :data:`PENDING_TTL_S`, bound to one browser."""

    def __init__(self, redis: RedisClient, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def put(self, state: str, browser: str, pending: PendingSignIn) -> None:
        key = f"{self._prefix}oidc_pending:{_h(state)}"
        async with store_errors("sign-in"), self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "nonce": pending.nonce,
                    "verifier": pending.code_verifier,
                    "next": pending.next,
                    "browser": _h(browser),
                },
            )
            pipe.expire(key, PENDING_TTL_S)
            await pipe.execute()

    async def take(self, state: str, browser: str) -> PendingSignIn | None:
        """The pending sign-in for ``state`` if this browser started it; it is gone afterwards either way."""
        if not state or len(state) > 256:
            return None
        key = f"{self._prefix}oidc_pending:{_h(state)}"
        async with store_errors("sign-in"), self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.delete(key)
            row, _ = await pipe.execute()
        if not row or not hmac.compare_digest(row[b"browser"], _h(browser).encode()):
            return None
        return PendingSignIn(row[b"nonce"].decode(), row[b"verifier"].decode(), row[b"next"].decode())
