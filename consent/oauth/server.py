"""authlib's authorization server, configured for the broker: authorization code + PKCE S256 only.

Everything here is synchronous and does no I/O: authlib's hooks read what :mod:`consent.oauth.integration`
loaded from Redis beforehand (a per-request :class:`Exchange` in a context variable) and leave what must be
written in the same object, which the integration then writes asynchronously.

Rules (issue 3, RFC 9700): only ``response_type=code`` / ``grant_type=authorization_code`` are registered (no
implicit, no password grant); PKCE with ``S256`` for every client — ``plain``, a missing challenge and a verifier
without a challenge are refused; redirect URIs match exactly; ``iss`` in every authorization response (RFC 9207);
clients authenticate with ``client_secret_basic`` or ``private_key_jwt`` (RFC 7523).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import AuthorizationServer, InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from joserfc.jwk import KeySet, OKPKey

from consent.accounts import pairwise_subject
from consent.clients import SCOPE_EDITIONS
from consent.oauth.models import AccessTokenInfo, AuthCode, OAuthClient, SubjectUser
from consent.oauth.terms import parse_terms
from consent.oauth.tokens import encode_access_token, new_code

AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]


@dataclass
class OAuthResponse:
    status: int
    body: Any
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "location"), None)

    @location.setter
    def location(self, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != "location"] + [("Location", value)]


@dataclass
class Exchange:
    """What one request's synchronous authlib run may read (loaded first) and must have written (after)."""

    issuer: str
    audience: str
    token_endpoint: str
    token_lifetime_s: int
    signing_key: OKPKey
    #: Derives each client's pairwise subject identifier (the token's ``sub``).
    pairwise_secret: bytes = b""
    client: OAuthClient | None = None
    code: AuthCode | None = None
    assertion_fresh: bool = False
    token_string: str | None = None
    token: AccessTokenInfo | None = None
    subject: SubjectUser | None = None
    # written by authlib's hooks, persisted afterwards
    new_code: tuple[str, AuthCode] | None = None
    issued: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[dict[str, Any]] = field(default_factory=list)


EXCHANGE: ContextVar[Exchange] = ContextVar("oauth_exchange")


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only (RFC 9700 §2.1.1): the stock extension allows ``plain`` and lets a
    confidential client skip PKCE; here a request without ``code_challenge_method=S256`` is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE 'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class TermsCheck:
    """Checks the consent terms (purpose, window, uses, validity) with the rest of the authorization request,
    so a bad one is an RFC 6749 error sent back to the client's redirect URI."""

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self._check)

    @staticmethod
    def _check(grant: Any, redirect_uri: str) -> None:
        parse_terms(grant.request.payload.data)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def generate_authorization_code(self) -> str:
        """A code that carries its grant's id: on Redis Cluster the code lives in its grant's slot."""
        user: SubjectUser = self.request.user
        return new_code(user.grant_id)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        exchange = EXCHANGE.get()
        user: SubjectUser = request.user
        data = request.payload.data
        exchange.new_code = (
            code,
            AuthCode(
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                subject_ref=user.ref,
                grant_id=user.grant_id,
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                issued_at=int(time.time()),
            ),
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthCode | None:
        loaded = EXCHANGE.get().code
        if loaded is None or loaded.client_id != client.get_client_id() or loaded.is_expired():
            return None
        return loaded

    def delete_authorization_code(self, authorization_code: AuthCode) -> None:
        """Nothing to do: the integration took the code out of Redis atomically before authlib ran."""

    def authenticate_user(self, authorization_code: AuthCode) -> SubjectUser:
        return SubjectUser(authorization_code.subject_ref, authorization_code.grant_id)


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    """``private_key_jwt`` (RFC 7523 §2.2, OIDC Core §9): the assertion's ``aud`` is the token endpoint or us."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self) -> list[str]:
        exchange = EXCHANGE.get()
        return [exchange.token_endpoint, exchange.issuer]

    def resolve_client_public_key(self, client: OAuthClient) -> KeySet:
        return KeySet.import_key_set(client.record.jwks or {"keys": []})  # type: ignore[arg-type]

    def validate_jti(self, claims: Any, jti: str) -> bool:
        return EXCHANGE.get().assertion_fresh


class Issuer(IssuerParameter):  # type: ignore[misc]
    def get_issuer(self) -> str:
        return EXCHANGE.get().issuer


class _TokenLookup:
    CLIENT_AUTH_METHODS = AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessTokenInfo | None:
        exchange = EXCHANGE.get()
        return exchange.token if exchange.token_string == token_string else None


class Introspection(_TokenLookup, IntrospectionEndpoint):  # type: ignore[misc]
    def check_permission(self, token: AccessTokenInfo, client: OAuthClient, request: OAuth2Request) -> bool:
        # A client may introspect the tokens issued to it, nobody else's.
        return token.check_client(client)

    def introspect_token(self, token: AccessTokenInfo) -> dict[str, Any]:
        claims = token.claims
        keep = ("iss", "aud", "sub", "client_id", "scope", "exp", "iat", "jti", "grant_id")
        return {"active": True, "token_type": "Bearer", **{k: claims[k] for k in keep if k in claims}}


class Revocation(_TokenLookup, RevocationEndpoint):  # type: ignore[misc]
    def authenticate_token(self, request: OAuth2Request, client: OAuthClient) -> AccessTokenInfo | None:
        # Another client's token is answered like an unknown one (RFC 7009 §2.2: 200), so revocation tells a
        # client nothing about tokens that are not its own — and revokes nothing of theirs.
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token: AccessTokenInfo, request: OAuth2Request) -> None:
        EXCHANGE.get().revoked.append(token.claims)


class BrokerAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(scopes_supported=sorted(SCOPE_EDITIONS))
        self.register_grant(CodeGrant, [S256Only(required=True), TermsCheck()])
        self.register_client_auth_method("private_key_jwt", PrivateKeyJwt())
        self.register_extension(Issuer())
        self.register_endpoint(Introspection)
        self.register_endpoint(Revocation)
        self.register_token_generator(
            "default", BearerTokenGenerator(self._access_token, expires_generator=self._lifetime)
        )

    @staticmethod
    def _lifetime(client: OAuthClient, grant_type: str) -> int:
        return EXCHANGE.get().token_lifetime_s

    @staticmethod
    def _access_token(client: OAuthClient, grant_type: str, user: SubjectUser, scope: str) -> str:
        exchange = EXCHANGE.get()
        return encode_access_token(
            exchange.signing_key,
            issuer=exchange.issuer,
            audience=exchange.audience,
            client_id=client.get_client_id(),
            subject=pairwise_subject(exchange.pairwise_secret, client.get_client_id(), user.ref),
            grant_id=user.grant_id,
            scope=scope,
            lifetime_s=exchange.token_lifetime_s,
        )

    def query_client(self, client_id: str) -> OAuthClient | None:
        client = EXCHANGE.get().client
        return client if client is not None and client.get_client_id() == client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        EXCHANGE.get().issued.append(token)

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> OAuthResponse:
        return OAuthResponse(status, body, list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal system: the integration records what happened after the run."""


def metadata(issuer: str, url: Callable[[str], str]) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""
    from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

    document = AuthorizationServerMetadata(
        {
            "issuer": issuer,
            "authorization_endpoint": url("/oauth/authorize"),
            "token_endpoint": url("/oauth/token"),
            "introspection_endpoint": url("/oauth/introspect"),
            "revocation_endpoint": url("/oauth/revoke"),
            "jwks_uri": url("/.well-known/jwks.json"),
            "scopes_supported": sorted(SCOPE_EDITIONS),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }
    )
    document.validate()
    return dict(document)
