"""The OAuth client registry (third parties: banks, tender agencies, exchanges, employers), in Redis.

Confidential clients only, each authenticating at the token endpoint by exactly one method:

* ``client_secret_basic`` — the broker generates a 256-bit random secret, shows it once and keeps only its
  SHA-256 (a random secret of that length needs no slow KDF: there is nothing to guess);
* ``private_key_jwt`` (RFC 7523) — the client registers its public JWKS and signs assertions.

Redirect URIs are matched exactly, character for character (RFC 9700 §4.1.3). Key: ``{prefix}oauth_client:{id}``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from consent.errors import store_errors
from consent.redis_writes import RedisClient
from merge.editions import Edition


class _ScopeEditions(Mapping[str, Edition]):
    """OAuth scope → report edition, one scope per edition this process holds (read when used, not at import)."""

    def __getitem__(self, scope: str) -> Edition:
        if not scope.startswith("report:"):
            raise KeyError(scope)
        try:
            return Edition(scope.removeprefix("report:"))
        except ValueError:
            raise KeyError(scope) from None

    def __iter__(self) -> Iterator[str]:
        return iter([f"report:{edition.value}" for edition in Edition])

    def __len__(self) -> int:
        return len(list(Edition))


#: OAuth scope → report edition. A scope names exactly one edition.
SCOPE_EDITIONS: Mapping[str, Edition] = _ScopeEditions()
AuthMethod = Literal["client_secret_basic", "private_key_jwt"]
_CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def _is_loopback(host: str | None) -> bool:
    return host in {"127.0.0.1", "::1", "localhost"}


class ClientRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str
    name: str = Field(min_length=1, max_length=100)
    auth_method: AuthMethod
    secret_sha256: str | None = None
    jwks: dict[str, Any] | None = None
    redirect_uris: tuple[str, ...] = Field(min_length=1)
    scopes: tuple[str, ...] = Field(min_length=1)
    created_at: datetime

    @field_validator("client_id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _CLIENT_ID.match(value):
            raise ValueError("3–64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
        return value

    @field_validator("redirect_uris")
    @classmethod
    def _uris(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for uri in value:
            parts = urlsplit(uri)
            if parts.fragment or not parts.hostname:
                raise ValueError(f"{uri!r} must be an absolute URI without a fragment")
            if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
                raise ValueError(f"{uri!r} must use https (http only on loopback)")
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(SCOPE_EDITIONS))
        if unknown:
            raise ValueError(f"unknown scope(s) {unknown}; expected some of {sorted(SCOPE_EDITIONS)}")
        return value

    def check_secret(self, secret: str) -> bool:
        if self.auth_method != "client_secret_basic" or self.secret_sha256 is None:
            return False
        digest = hashlib.sha256(secret.encode()).hexdigest()
        return hmac.compare_digest(digest, self.secret_sha256)


class ClientRegistry:
    def __init__(self, redis: RedisClient, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, client_id: str) -> str:
        return f"{self._prefix}oauth_client:{client_id}"

    async def add(
        self,
        client_id: str,
        name: str,
        redirect_uris: list[str],
        scopes: list[str],
        *,
        jwks: dict[str, Any] | None = None,
    ) -> tuple[ClientRecord, str | None]:
        """Register a client. With ``jwks`` it uses ``private_key_jwt``; otherwise a secret is generated and
        returned (once — only its hash is kept). Raises ``pydantic.ValidationError`` naming the bad field."""
        secret = None if jwks else secrets.token_urlsafe(32)
        record = ClientRecord(
            client_id=client_id,
            name=name,
            auth_method="private_key_jwt" if jwks else "client_secret_basic",
            secret_sha256=hashlib.sha256(secret.encode()).hexdigest() if secret else None,
            jwks=jwks,
            redirect_uris=tuple(redirect_uris),
            scopes=tuple(scopes),
            created_at=datetime.now(UTC),
        )
        async with store_errors("client registration"):
            await self._redis.set(self._key(client_id), record.model_dump_json())
        return record, secret

    async def get(self, client_id: str) -> ClientRecord | None:
        if not client_id or len(client_id) > 64:
            return None
        async with store_errors("client lookup"):
            raw = await self._redis.get(self._key(client_id))
        return ClientRecord.model_validate_json(raw) if raw else None
