"""Subject sessions in Redis (the sign-in throttle is :mod:`consent.signin_limits`).

A session id is 32 random bytes; Redis keys it by its SHA-256, so a dump of Redis does not yield live cookies.
Each session carries its own CSRF token (synchroniser-token pattern): every form and every state-changing API
call made with the session cookie must echo it. Sessions expire after a fixed time (no sliding renewal).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from consent.accounts import Account
from consent.errors import store_errors
from consent.redis_writes import RedisClient
from merge.identifiers import SubjectKind


@dataclass(frozen=True, slots=True)
class Session:
    id_hash: str
    account: Account
    csrf_token: str

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.csrf_token.encode())


class SessionStore:
    def __init__(self, redis: RedisClient, prefix: str, ttl_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_s

    def _key(self, session_id: str) -> str:
        return f"{self._prefix}session:{hashlib.sha256(session_id.encode()).hexdigest()}"

    async def create(self, account: Account) -> tuple[str, Session]:
        """A new session for ``account``; returns the cookie value and the session."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        key = self._key(session_id)
        async with store_errors("sign-in"), self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "ref": account.ref,
                    "kind": account.kind.value,
                    "masked": account.masked,
                    "name": account.name,
                    "csrf": csrf,
                },
            )
            pipe.expire(key, self._ttl)
            await pipe.execute()
        return session_id, Session(key, account, csrf)

    async def get(self, session_id: str) -> Session | None:
        if not session_id or len(session_id) > 128:
            return None
        key = self._key(session_id)
        async with store_errors("session"):
            row = await self._redis.hgetall(key)
        if not row:
            return None
        account = Account(_s(row[b"ref"]), SubjectKind(_s(row[b"kind"])), _s(row[b"masked"]), _s(row[b"name"]))
        return Session(key, account, _s(row[b"csrf"]))

    async def delete(self, session_id: str) -> None:
        async with store_errors("sign-out"):
            await self._redis.delete(self._key(session_id))


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
