"""authlib's model mixins over our records: the client, the authorization code, the subject, a token.

authlib calls these synchronously; everything they return was loaded from Redis beforehand by
:mod:`consent.oauth.integration`, so no method here does I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from consent.clients import ClientRecord

#: Authorization codes live at most this long (issue 3: ≤ 60 s; RFC 6749 §4.1.2 recommends ≤ 10 min).
CODE_TTL_S = 60


class OAuthClient(ClientMixin):  # type: ignore[misc]
    """A registered confidential client. Only ``response_type=code`` and ``grant_type=authorization_code``."""

    def __init__(self, record: ClientRecord) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> str | None:
        # No default: the request must name its redirect URI, matched exactly.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return None
        wanted = scope.split()
        if not set(wanted) <= set(self.record.scopes):
            return None
        return " ".join(dict.fromkeys(wanted))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.record.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.record.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True, slots=True)
class SubjectUser:
    """The resource owner as authlib sees it: the subject's HMAC reference and the grant it made."""

    ref: str
    grant_id: str

    def get_user_id(self) -> str:
        return self.ref


@dataclass(frozen=True, slots=True)
class AuthCode(AuthorizationCodeMixin):  # type: ignore[misc]
    client_id: str
    redirect_uri: str
    scope: str
    subject_ref: str
    grant_id: str
    code_challenge: str
    code_challenge_method: str
    issued_at: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + CODE_TTL_S

    def to_json(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


@dataclass(frozen=True, slots=True)
class AccessTokenInfo(TokenMixin):  # type: ignore[misc]
    """A verified access token's claims with its revocation and grant state (for introspection, RFC 7662)."""

    claims: dict[str, Any]
    revoked: bool

    def check_client(self, client: OAuthClient) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return int(self.claims["exp"]) - int(self.claims["iat"])

    def is_expired(self) -> bool:
        return time.time() >= int(self.claims["exp"])

    def is_revoked(self) -> bool:
        return self.revoked
