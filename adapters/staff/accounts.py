"""Staff accounts of a credit centre's node, in its own database (``staff_accounts``).

Passwords are hashed with scrypt (RFC 7914, :func:`hashlib.scrypt`), a random salt each, the parameters stored
with the hash (``scrypt$N$r$p$salt$hash``); checked in constant time, off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.ticket_schema import staff_accounts

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_N, _R, _P = 2**14, 8, 1


class StaffAccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(key).decode()}"


def check_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(derived, base64.b64decode(key))


class StaffAccounts:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, username: str, password: str) -> None:
        if not _USERNAME.fullmatch(username):
            raise StaffAccountError("username: 2–64 characters of a-z, 0-9, '.', '_', '-'")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise StaffAccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
        encoded = await asyncio.to_thread(hash_password, password)
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(staff_accounts).values(
                    username=username, password_hash=encoded, created_at=datetime.now(UTC)))  # fmt: skip
        except IntegrityError:
            raise StaffAccountError(f"username: {username} exists already") from None

    async def check(self, username: str, password: str) -> bool:
        async with self._engine.connect() as conn:
            encoded = await conn.scalar(
                select(staff_accounts.c.password_hash).where(staff_accounts.c.username == username)
            )
        if encoded is None:
            # Same work for an unknown name: sign-in time does not tell which names exist.
            await asyncio.to_thread(check_password, password, hash_password("-" * MIN_PASSWORD_LENGTH))
            return False
        return await asyncio.to_thread(check_password, password, encoded)
