"""The one aiohttp integration of authlib's authorization server (authlib ships none for aiohttp).

For each request: read the body first, turn the aiohttp request into authlib's ``OAuth2Request``, load from
Redis *asynchronously* what authlib's synchronous hooks will ask for (the client; the authorization code, taken
atomically; a client assertion's ``jti`` freshness; the token being introspected or revoked), run authlib's
synchronous logic — which does no I/O, so it never blocks the event loop — and then perform the writes it left
behind (the new code, token links, revocations) asynchronously.

The request adapter (and the HTTPS-or-loopback rule) is :mod:`consent.oauth.transport`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from authlib.oauth2.rfc6749 import OAuth2Error
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey

from consent.clients import ClientRegistry
from consent.grant_store import ConsentStore, ExtraWrite
from consent.grants import GrantStatus
from consent.oauth.models import AccessTokenInfo, OAuthClient, SubjectUser
from consent.oauth.server import EXCHANGE, BrokerAuthorizationServer, CodeGrant, Exchange, OAuthResponse
from consent.oauth.tokens import InvalidAccessToken, OAuthStore, decode_access_token
from consent.oauth.transport import (
    AiohttpOAuthRequest,
    assertion_jti,
    client_id_of,
    to_oauth_request,
)


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    #: The issuer identifier (RFC 8414): every absolute URL of the authorization server starts with it. From
    #: configuration, never from a request's Host header.
    issuer: str
    token_lifetime_s: int
    signing_key: Callable[[], OKPKey]
    verification_keys: Callable[[], KeySet]
    #: The secret pairwise subject identifiers are derived from (the broker's subject-key secret).
    pairwise_secret: bytes = b""


class OAuthIntegration:
    def __init__(self, config: OAuthConfig, clients: ClientRegistry, store: OAuthStore, grants: ConsentStore) -> None:
        self.server = BrokerAuthorizationServer()
        self.config = config
        self.clients = clients
        self.store = store
        self.grants = grants

    @property
    def issuer(self) -> str:
        return self.config.issuer.rstrip("/")

    @property
    def audience(self) -> str:
        """The broker API (RFC 9068 ``aud``)."""
        return self.issuer + "/v1"

    def _exchange(self, request: web.Request) -> Exchange:
        issuer = self.issuer
        return Exchange(
            issuer=issuer,
            audience=issuer + "/v1",
            token_endpoint=issuer + "/oauth/token",
            token_lifetime_s=self.config.token_lifetime_s,
            signing_key=self.config.signing_key(),
            pairwise_secret=self.config.pairwise_secret,
        )

    async def _load_client(self, exchange: Exchange, client_id: str | None) -> None:
        record = await self.clients.get(client_id) if client_id else None
        exchange.client = OAuthClient(record) if record else None

    def _error(self, exchange: Exchange, error: OAuth2Error) -> OAuthResponse:
        response = self.server.handle_response(*error())
        if response.status == 302 and response.location:
            # RFC 9207 §2: error responses to the client carry iss too.
            from authlib.common.urls import add_params_to_uri

            response.location = add_params_to_uri(response.location, {"iss": exchange.issuer})
        return response

    async def validate_authorization(
        self, request: web.Request, params: Mapping[str, str]
    ) -> tuple[Exchange, AiohttpOAuthRequest, Any] | OAuthResponse:
        """Check an authorization request (client, redirect URI, scope, PKCE, terms) before asking the subject.

        Returns the validated pieces, or the RFC 6749 error: a redirect to the client once its redirect URI is
        known to be registered, otherwise a 400 JSON body (never redirect to an unverified URI)."""
        exchange = self._exchange(request)
        oauth_request = to_oauth_request(request, self.issuer, params)
        await self._load_client(exchange, oauth_request.payload.client_id)
        token = EXCHANGE.set(exchange)
        try:
            grant = self.server.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            return self._error(exchange, error)
        finally:
            EXCHANGE.reset(token)
        return exchange, oauth_request, grant

    def authorization_response(
        self, exchange: Exchange, oauth_request: AiohttpOAuthRequest, grant: Any, user: SubjectUser | None
    ) -> tuple[OAuthResponse, ExtraWrite | None]:
        """Approve (``user``) or deny (``None``): the redirect with a code or ``access_denied``, plus ``iss``,
        and the code's write, *not yet made*: the caller stores it with the grant in one atomic step."""
        token = EXCHANGE.set(exchange)
        try:
            response: OAuthResponse = self.server.create_authorization_response(
                oauth_request, grant_user=user, grant=grant
            )
        finally:
            EXCHANGE.reset(token)
        write = self.store.code_write(*exchange.new_code) if exchange.new_code is not None else None
        return response, write

    async def respond_authorization(
        self, exchange: Exchange, oauth_request: AiohttpOAuthRequest, grant: Any, user: SubjectUser | None
    ) -> OAuthResponse:
        """:meth:`authorization_response`, storing the code (if any) on its own."""
        response, _ = self.authorization_response(exchange, oauth_request, grant, user)
        if exchange.new_code is not None:
            await self.store.save_code(*exchange.new_code)
        return response

    async def token(self, request: web.Request, form: Mapping[str, Any]) -> OAuthResponse:
        exchange = self._exchange(request)
        oauth_request = to_oauth_request(request, self.issuer, form)
        await self._load_client(exchange, client_id_of(oauth_request))
        if (jti := assertion_jti(oauth_request)) and exchange.client is not None:
            exchange.assertion_fresh = await self.store.assertion_fresh(exchange.client.get_client_id(), jti)
        # The client is authenticated before the code is touched: a request that fails client authentication
        # never consumes a code and never revokes tokens (issue 10).
        run = EXCHANGE.set(exchange)
        try:
            client = self.server.authenticate_client(oauth_request, CodeGrant.TOKEN_ENDPOINT_AUTH_METHODS)
        except OAuth2Error as error:
            refused: OAuthResponse = self.server.handle_error_response(oauth_request, error)
            return refused
        finally:
            EXCHANGE.reset(run)
        code = oauth_request.form.get("code") if oauth_request.form.get("grant_type") == "authorization_code" else None
        if code:
            redemption = await self.store.redeem_code(code, client.get_client_id())
            exchange.code = redemption.code
        run = EXCHANGE.set(exchange)
        try:
            response: OAuthResponse = self.server.create_token_response(oauth_request)
        finally:
            EXCHANGE.reset(run)
        for issued in exchange.issued:
            claims = json.loads(jws.extract_compact(issued["access_token"].encode()).payload)
            assert code is not None  # tokens come only from the code grant
            await self.store.link_token(code, claims["jti"], int(claims["exp"]))
        return response

    async def _load_token(self, request: web.Request, exchange: Exchange, oauth_request: AiohttpOAuthRequest) -> None:
        token_string = oauth_request.form.get("token")
        if not token_string:
            return
        try:
            claims = decode_access_token(
                token_string, self.config.verification_keys(), issuer=exchange.issuer, audience=exchange.audience
            )
        except InvalidAccessToken:
            return
        exchange.token_string = token_string
        # A token is only as alive as its grant: revoked, paused, used up or expired, it is inactive (RFC 7662).
        revoked = await self.store.is_revoked(str(claims["jti"]), str(claims["grant_id"]))
        revoked = revoked or not await self._grant_active(claims)
        exchange.token = AccessTokenInfo(claims, revoked)

    async def _grant_active(self, claims: Mapping[str, Any]) -> bool:
        stored = await self.grants.get(str(claims["grant_id"]))
        return stored is not None and stored.status(datetime.now(UTC)) is GrantStatus.ACTIVE

    async def introspect(self, request: web.Request, form: Mapping[str, Any]) -> OAuthResponse:
        response, _ = await self._endpoint(request, form, "introspection")
        return response

    async def revoke(self, request: web.Request, form: Mapping[str, Any]) -> tuple[OAuthResponse, list[dict[str, Any]]]:
        """RFC 7009: the response, and the claims of each token revoked (for the audit log)."""
        return await self._endpoint(request, form, "revocation")

    async def _endpoint(
        self, request: web.Request, form: Mapping[str, Any], name: str
    ) -> tuple[OAuthResponse, list[dict[str, Any]]]:
        exchange = self._exchange(request)
        oauth_request = to_oauth_request(request, self.issuer, form)
        await self._load_client(exchange, client_id_of(oauth_request))
        if (jti := assertion_jti(oauth_request)) and exchange.client is not None:
            exchange.assertion_fresh = await self.store.assertion_fresh(exchange.client.get_client_id(), jti)
        await self._load_token(request, exchange, oauth_request)
        run = EXCHANGE.set(exchange)
        try:
            response: OAuthResponse = self.server.create_endpoint_response(name, oauth_request)
        finally:
            EXCHANGE.reset(run)
        for claims in exchange.revoked:
            await self.store.revoke(str(claims["jti"]), str(claims["grant_id"]), int(claims["exp"]))
        return response, list(exchange.revoked)

    async def bearer_claims(self, request: web.Request, token: str) -> dict[str, Any]:
        """A bearer token's verified claims, refused if revoked (Redis is asked on every request)."""
        claims = decode_access_token(token, self.config.verification_keys(), issuer=self.issuer, audience=self.audience)
        if await self.store.is_revoked(str(claims["jti"]), str(claims["grant_id"])):
            raise InvalidAccessToken("the token was revoked")
        return claims
