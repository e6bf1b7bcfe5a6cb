"""Production sign-in through OpenID Connect (the provincial unified identity platform, 统一身份认证平台).

Off unless ``oidc_issuer``, ``oidc_client_id`` and ``oidc_client_secret`` are configured. This module holds the
parts that need no network: the authorization request (code flow with PKCE S256, ``state`` and ``nonce``, built
with authlib's helpers), the ID token's validation (OIDC Core §3.1.3.7: signature against the platform's JWKS,
``iss``, ``aud``, ``exp``, ``iat``, ``nonce``) and the mapping of its claims to our subject. The identity
platform's claim names are configuration (``uscc_claim``, ``resident_id_claim``); the defaults are placeholders
until the platform's interface document is at hand.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from merge.identifiers import InvalidIdentifier, Subject, parse_subject

_ALGORITHMS = ["RS256", "ES256", "PS256"]


class OidcError(Exception):
    """The identity platform's answer is not acceptable; the message never quotes an identifier."""


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    authorization_endpoint: str
    token_endpoint: str
    scope: str = "openid profile"
    uscc_claim: str = "uscc"
    resident_id_claim: str = "id_card_no"


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """What to send the browser to, and what to keep in the (pre-)session until the callback."""

    url: str
    state: str
    nonce: str
    code_verifier: str = field(repr=False)


def authorization_request(config: OidcConfig, redirect_uri: str) -> AuthorizationRequest:
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    url = add_params_to_uri(
        config.authorization_endpoint,
        [
            ("response_type", "code"),
            ("client_id", config.client_id),
            ("redirect_uri", redirect_uri),
            ("scope", config.scope),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", create_s256_code_challenge(verifier)),
            ("code_challenge_method", "S256"),
        ],
    )
    return AuthorizationRequest(url, state, nonce, verifier)


def validate_id_token(config: OidcConfig, id_token: str, jwks: KeySet, nonce: str) -> dict[str, Any]:
    """The ID token's claims once signature, issuer, audience, lifetime and nonce check out."""
    try:
        token = jwt.decode(id_token, jwks, algorithms=_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": config.issuer},
            aud={"essential": True, "value": config.client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError(f"the ID token is not valid ({type(exc).__name__})") from None
    return dict(token.claims)


def subject_of(config: OidcConfig, claims: dict[str, Any]) -> tuple[Subject, str]:
    """The subject (USCC or resident ID, checksum-validated) and a display name from the ID token's claims."""
    raw = claims.get(config.uscc_claim) or claims.get(config.resident_id_claim)
    if not isinstance(raw, str):
        raise OidcError(f"the ID token names no subject ({config.uscc_claim} or {config.resident_id_claim})")
    try:
        subject = parse_subject(raw)
    except InvalidIdentifier as exc:
        raise OidcError(f"the ID token's subject is invalid: {exc.reason}") from None
    name = claims.get("name")
    return subject, name if isinstance(name, str) and name else subject.masked
