"""Access tokens (RFC 9068 JWTs) and the OAuth state in Redis: codes, redeemed-code markers, revoked tokens.

Codes are single-use atomically: one Lua script takes the code and marks it redeemed, so of any number of
concurrent redemptions exactly one gets it. Only the authenticated client the code was issued to can take it; a
later redemption by that client marks it replayed and revokes every token issued from it (RFC 6749 §4.1.2); a
token issued after the replay is revoked as it is linked (both scripts look at the same marker), so no ordering
of the two escapes. A request that fails client authentication never reaches this store. Every write here is
acknowledged by replicas (:class:`~consent.redis_writes.ReplicaAck`): a code redeemed on a master that then died
must not be redeemable again on the replica that replaces it.

Redis Cluster: a code is ``<grant id>.<random>``, and everything about it — the code, its redeemed marker, the
revoked-token markers of the tokens issued from it — carries the grant id as its hash tag, in the slot of the grant
itself (:meth:`consent.grant_store.RedisConsentStore.key`), so the approval writes grant and code in one script and
each script here declares every key it touches.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from consent.eddsa import eddsa_registry
from consent.errors import ConsentStoreUnavailable, store_errors
from consent.grant_store import ExtraWrite
from consent.oauth.models import CODE_TTL_S, AuthCode
from consent.redis_writes import RedisClient, ReplicaAck

#: The longest an access token lives (issue 3: ≤ 10 minutes).
MAX_TOKEN_LIFETIME_S = 600
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a JOSE type, not a secret
_LEEWAY_S = 5
#: A grant id as :func:`consent.grants.new_grant_id` makes them: the part of a code before its dot.
_GRANT_ID = re.compile(r"g_[A-Za-z0-9_-]{8,64}")
#: How often a replayed code's redemption is sent again naming the tokens linked meanwhile.
_REPLAY_ROUNDS = 5


def new_code(grant_id: str) -> str:
    """An authorization code for ``grant_id``'s approval: its hash tag, a dot, 288 random bits."""
    return f"{grant_id}.{secrets.token_urlsafe(36)}"


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


# KEYS: the code, its redeemed marker, then the revoked-token marker of each token id in ARGV[3..] (KEYS[i] goes with
# ARGV[i]). ARGV: marker TTL, the authenticated client, token ids. Only the client the code was issued to takes it,
# and only that client's replay revokes what it was used for: anyone else presenting it (a stolen code) changes
# nothing. A replay revokes only once every token linked to the code is declared: otherwise it changes nothing and
# returns the undeclared ids, and the caller sends it again naming them (a script touches only the keys it is given).
_REDEEM = """
local v = redis.call('GET', KEYS[1])
if v then
  if cjson.decode(v)['client_id'] ~= ARGV[2] then return {'', 0} end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'state', 'redeemed', 'client', ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  return {v, 0}
end
if redis.call('HGET', KEYS[2], 'client') ~= ARGV[2] then return {'', 0} end
local declared, linked, missing = {}, {}, {}
for i = 3, #ARGV do declared[ARGV[i]] = KEYS[i] end
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 4) == 'jti:' then
    local key = declared[string.sub(all[i], 5)]
    if key then linked[#linked + 1] = {key, all[i + 1]} else missing[#missing + 1] = string.sub(all[i], 5) end
  end
end
if #missing > 0 then return {'', 0, unpack(missing)} end
redis.call('HSET', KEYS[2], 'state', 'replayed')
for _, token in ipairs(linked) do redis.call('SET', token[1], '1', 'EXAT', token[2]) end
return {'', 1}
"""

# KEYS: the code's redeemed marker, the new token's revoked marker. ARGV: token id, its expiry.
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
    def __init__(self, redis: RedisClient, prefix: str, *, acks: ReplicaAck | None = None) -> None:
        self._redis = redis
        self._prefix = prefix
        self._acks = acks or ReplicaAck()

    def _code_keys(self, code: str) -> tuple[str, str, str] | None:
        """The code's key, its redeemed marker's, and its grant id (the hash tag); None for a malformed code."""
        grant_id, dot, _ = code.partition(".")
        if not dot or not _GRANT_ID.fullmatch(grant_id):
            return None
        h = hashlib.sha256(code.encode()).hexdigest()
        tag = f"{{{grant_id}}}"
        return f"{self._prefix}oauth_code:{tag}:{h}", f"{self._prefix}oauth_code_used:{tag}:{h}", grant_id

    def revoked_key(self, grant_id: str, jti: str) -> str:
        return f"{self._prefix}oauth_revoked:{{{grant_id}}}:{jti}"

    def code_write(self, code: str, data: AuthCode) -> ExtraWrite:
        """The code's Redis write, for the grant store to make in the same atomic step as the grant."""
        keys = self._code_keys(code)
        if keys is None or keys[2] != data.grant_id:
            raise ValueError("code: not one made by new_code for its grant")
        return ExtraWrite(keys[0], json.dumps(data.to_json()), CODE_TTL_S)

    async def save_code(self, code: str, data: AuthCode) -> None:
        write = self.code_write(code, data)
        async with store_errors("authorization"):
            await self._acks.command(self._redis, write.key, "SET", write.key, write.value, "EX", write.ttl_s)

    async def redeem_code(self, code: str, client_id: str) -> Redemption:
        """Take the code (once, atomically) for ``client_id``, the client already authenticated. ``replayed`` when
        that client had taken it before (its tokens are now revoked); another client's attempt changes nothing."""
        keys = self._code_keys(code) if code and len(code) <= 256 else None
        if keys is None:
            return Redemption(None, False)
        code_key, used_key, grant_id = keys
        declared: list[str] = []
        async with store_errors("token"):
            for _ in range(_REPLAY_ROUNDS):
                revoked = [self.revoked_key(grant_id, jti) for jti in declared]
                args = [str(MAX_TOKEN_LIFETIME_S + 60), client_id, *declared]
                raw, replayed, *missing = await self._acks.eval(
                    self._redis, _REDEEM, [code_key, used_key, *revoked], args
                )
                if not missing:
                    break
                declared += [jti.decode() if isinstance(jti, bytes) else str(jti) for jti in missing]
            else:
                raise ConsentStoreUnavailable("token: tokens kept being issued from a replayed code; refused")
        if not raw:
            return Redemption(None, bool(replayed))
        return Redemption(AuthCode(**json.loads(raw)), False)

    async def link_token(self, code: str, jti: str, exp: int) -> bool:
        """Record a token issued from ``code``; True if the code was replayed meanwhile (token revoked)."""
        keys = self._code_keys(code)
        if keys is None:
            raise ValueError("code: malformed")
        async with store_errors("token"):
            revoked = await self._acks.eval(
                self._redis, _LINK, [keys[1], self.revoked_key(keys[2], jti)], [jti, str(exp)]
            )
        return bool(revoked)

    async def revoke(self, jti: str, grant_id: str, exp: int) -> None:
        key = self.revoked_key(grant_id, jti)
        async with store_errors("revocation"):
            await self._acks.command(self._redis, key, "SET", key, "1", "EXAT", max(exp, int(time.time()) + 1))

    async def is_revoked(self, jti: str, grant_id: str) -> bool:
        async with store_errors("token check"):
            return bool(await self._redis.exists(self.revoked_key(grant_id, jti)))

    async def assertion_fresh(self, client_id: str, jti: str) -> bool:
        """RFC 7523 §3: a client assertion's ``jti`` is accepted once (remembered past any assertion's life)."""
        key = f"{self._prefix}oauth_assertion:{hashlib.sha256(f'{client_id}:{jti}'.encode()).hexdigest()}"
        async with store_errors("client authentication"):
            return bool(await self._acks.command(self._redis, key, "SET", key, "1", "NX", "EX", 3600))
