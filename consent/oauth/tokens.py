"""Access tokens (RFC 9068 JWTs) and the OAuth state in Redis: codes, redeemed-code markers, revoked tokens.

Codes are single-use atomically: one Lua script takes the code and marks it redeemed, so of any number of
concurrent redemptions exactly one gets it. Only the authenticated client the code was issued to can take it; a
later redemption by that client marks it replayed and revokes every token issued from it (RFC 6749 §4.1.2); a
token issued after the replay is revoked as it is linked (both scripts look at the same marker), so no ordering
of the two escapes. A request that fails client authentication never reaches this store.
(The scripts derive the revoked-token keys from a prefix argument: fine on one Redis, not on Redis Cluster.)
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from consent.errors import store_errors
from consent.grant_store import ExtraWrite
from consent.oauth.models import CODE_TTL_S, AuthCode
from consent.warrants import eddsa_registry

#: The longest an access token lives (issue 3: ≤ 10 minutes).
MAX_TOKEN_LIFETIME_S = 600
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a JOSE type, not a secret
_LEEWAY_S = 5


class InvalidAccessToken(Exception):
    """The bearer token is not one of ours, is expired, for another audience, or revoked."""


def encode_access_token(
    key: OKPKey, *, issuer: str, audience: str, client_id: str, subject: str, grant_id: str, scope: str,
    lifetime_s: int,
) -> str:  # fmt: skip
    """An RFC 9068 access token: ``typ: at+jwt``, EdDSA, with the grant it was issued under. ``subject`` is the
    client's pairwise identifier of the subject, never the broker-wide subject key."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "client_id": client_id,
        "scope": scope,
        "grant_id": grant_id,
        "iat": now,
        "exp": now + min(lifetime_s, MAX_TOKEN_LIFETIME_S),
        "jti": secrets.token_urlsafe(16),
    }
    header = {"alg": "EdDSA", "typ": ACCESS_TOKEN_TYPE, "kid": key.kid}
    return jwt.encode(header, claims, key, registry=eddsa_registry())


def decode_access_token(token: str, keys: KeySet, *, issuer: str, audience: str) -> dict[str, Any]:
    """Verify signature, ``typ``, ``iss``, ``aud``, ``exp`` and ``iat``; the claims, or InvalidAccessToken."""
    if not token or len(token) > 4096:
        raise InvalidAccessToken("malformed token")
    try:
        decoded = jwt.decode(token, keys, registry=eddsa_registry())
    except (JoseError, ValueError) as exc:
        raise InvalidAccessToken(f"the token does not verify ({type(exc).__name__})") from None
    if decoded.header.get("typ") != ACCESS_TOKEN_TYPE:
        raise InvalidAccessToken("not an access token (typ)")
    registry = jwt.JWTClaimsRegistry(
        leeway=_LEEWAY_S,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        iat={"essential": True},
        jti={"essential": True},
        sub={"essential": True},
        grant_id={"essential": True},
    )
    try:
        registry.validate(decoded.claims)
    except JoseError as exc:
        raise InvalidAccessToken(f"the token is not valid here ({exc.error})") from None
    if int(decoded.claims["exp"]) - int(decoded.claims["iat"]) > MAX_TOKEN_LIFETIME_S:
        raise InvalidAccessToken("the token lives too long")
    return dict(decoded.claims)


# KEYS: the code, its redeemed marker. ARGV: marker TTL, revoked-token key prefix, the authenticated client.
# Only the client the code was issued to takes it, and only that client's replay revokes what it was used for:
# anyone else presenting it (a stolen code) changes nothing.
_REDEEM = """
local v = redis.call('GET', KEYS[1])
if v then
  if cjson.decode(v)['client_id'] ~= ARGV[3] then return {'', 0} end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'state', 'redeemed', 'client', ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  return {v, 0}
end
if redis.call('HGET', KEYS[2], 'client') == ARGV[3] then
  redis.call('HSET', KEYS[2], 'state', 'replayed')
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 4) == 'jti:' then
      redis.call('SET', ARGV[2] .. string.sub(all[i], 5), '1', 'EXAT', all[i + 1])
    end
  end
  return {'', 1}
end
return {'', 0}
"""

_LINK = """
redis.call('HSET', KEYS[1], 'jti:' .. ARGV[1], ARGV[2])
if redis.call('HGET', KEYS[1], 'state') == 'replayed' then
  redis.call('SET', KEYS[2], '1', 'EXAT', ARGV[2])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Redemption:
    code: AuthCode | None
    replayed: bool


class OAuthStore:
    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def _h(self, code: str) -> str:
        return hashlib.sha256(code.encode()).hexdigest()

    def _revoked_prefix(self) -> str:
        return f"{self._prefix}oauth_revoked:"

    def code_write(self, code: str, data: AuthCode) -> ExtraWrite:
        """The code's Redis write, for the grant store to make in the same atomic step as the grant."""
        return ExtraWrite(f"{self._prefix}oauth_code:{self._h(code)}", json.dumps(data.to_json()), CODE_TTL_S)

    async def save_code(self, code: str, data: AuthCode) -> None:
        write = self.code_write(code, data)
        async with store_errors("authorization"):
            await self._redis.set(write.key, write.value, ex=write.ttl_s)

    async def redeem_code(self, code: str, client_id: str) -> Redemption:
        """Take the code (once, atomically) for ``client_id``, the client already authenticated. ``replayed`` when
        that client had taken it before (its tokens are now revoked); another client's attempt changes nothing."""
        if not code or len(code) > 256:
            return Redemption(None, False)
        h = self._h(code)
        keys = (f"{self._prefix}oauth_code:{h}", f"{self._prefix}oauth_code_used:{h}")
        async with store_errors("token"):
            raw, replayed = await self._redis.eval(
                _REDEEM, 2, *keys, str(MAX_TOKEN_LIFETIME_S + 60), self._revoked_prefix(), client_id
            )
        if not raw:
            return Redemption(None, bool(replayed))
        return Redemption(AuthCode(**json.loads(raw)), False)

    async def link_token(self, code: str, jti: str, exp: int) -> bool:
        """Record a token issued from ``code``; True if the code was replayed meanwhile (token revoked)."""
        h = self._h(code)
        async with store_errors("token"):
            revoked = await self._redis.eval(
                _LINK, 2, f"{self._prefix}oauth_code_used:{h}", self._revoked_prefix() + jti, jti, str(exp)
            )
        return bool(revoked)

    async def revoke(self, jti: str, exp: int) -> None:
        async with store_errors("revocation"):
            await self._redis.set(self._revoked_prefix() + jti, "1", exat=max(exp, int(time.time()) + 1))

    async def is_revoked(self, jti: str) -> bool:
        async with store_errors("token check"):
            return bool(await self._redis.exists(self._revoked_prefix() + jti))

    async def assertion_fresh(self, client_id: str, jti: str) -> bool:
        """RFC 7523 §3: a client assertion's ``jti`` is accepted once (remembered past any assertion's life)."""
        key = f"{self._prefix}oauth_assertion:{hashlib.sha256(f'{client_id}:{jti}'.encode()).hexdigest()}"
        async with store_errors("client authentication"):
            return bool(await self._redis.set(key, "1", nx=True, ex=3600))
