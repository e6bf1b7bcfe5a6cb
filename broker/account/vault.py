"""The owner key: what lets a signed-in subject re-open their own reports, and nothing lets the broker open them.

A report's content is sealed under its verification code, which the broker does not keep. To list and re-open
"my reports", the code of each report a subject issued is kept sealed under an **owner key** that only the
subject's own sign-in can produce:

- built-in accounts: ``scrypt(password, owner salt)`` — the broker sees the password only while signing in, and
  the owner salt (random, per account) is not the password hash's salt, so the stored hash says nothing of it;
- while the session lasts, the owner key is kept wrapped (AES-256-GCM) under a key HKDF-derived from the session
  cookie, which Redis never holds (sessions are keyed by the cookie's SHA-256; this wrap by another hash of it);
- signing out deletes the wrap: from then on no one without the password — not an operator with Redis and every
  broker secret — can unseal the codes. A password reset leaves old codes sealed (the reports stay verifiable
  with the codes their owner saved);
- sign-in through the identity platform (no password reaches the broker) gets a random key for that session
  alone: reports issued in it can be re-opened until sign-out, later only with their code.

Everything here is CPU-bound or one Redis round trip; scrypt runs off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from broker.reports.sealing import as_bytes
from consent.accounts import SCRYPT_N, SCRYPT_P, SCRYPT_R
from consent.errors import store_errors
from consent.redis_writes import RedisClient

_NONCE = 12
_WRAP_INFO = b"jjj.owner-key-wrap/1"
_ID_INFO = b"jjj.owner-key-id/1"
_MAXMEM = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class OwnerKey:
    """A subject's owner key; ``key_id`` names it (an HMAC of it) so entries sealed under another are recognised."""

    secret: bytes

    @property
    def key_id(self) -> str:
        return hmac.new(self.secret, _ID_INFO, hashlib.sha256).hexdigest()[:16]

    def seal(self, plaintext: bytes, label: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(self.secret).encrypt(nonce, plaintext, label.encode())

    def unseal(self, blob: bytes, label: str) -> bytes | None:
        try:
            return AESGCM(self.secret).decrypt(blob[:_NONCE], blob[_NONCE:], label.encode())
        except (InvalidTag, ValueError):
            return None


def derive_owner_key(password: str, salt: bytes) -> OwnerKey:
    """scrypt (RFC 7914) at the account password's cost: slow for whoever guesses, once per sign-in for the owner."""
    secret = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=_MAXMEM, dklen=32)
    return OwnerKey(secret)


def _wrap_key(session_id: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_INFO).derive(session_id.encode())


class OwnerVault:
    """Owner salts (per account) and the session-wrapped owner keys in Redis; store errors fail closed (503)."""

    def __init__(self, redis: RedisClient, prefix: str, session_ttl_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = session_ttl_s

    def _salt_key(self, ref: str) -> str:
        return f"{self._prefix}vault:salt:{ref}"

    def _session_key(self, session_id: str) -> str:
        # Not the session's own key (sha256 of the cookie): another hash, so neither names the other.
        digest = hashlib.sha256(b"jjj.vault-session/1:" + session_id.encode()).hexdigest()
        return f"{self._prefix}vault:session:{digest}"

    async def _salt(self, ref: str) -> bytes:
        async with store_errors("sign-in"):
            await self._redis.set(self._salt_key(ref), os.urandom(16), nx=True)
            salt = await self._redis.get(self._salt_key(ref))
        if salt is None:
            raise RuntimeError("owner salt vanished right after it was set")
        return as_bytes(salt)

    async def open_with_password(self, session_id: str, ref: str, password: str) -> OwnerKey:
        """At sign-in with a password: derive the owner key and keep it wrapped for this session."""
        salt = await self._salt(ref)
        key = await asyncio.to_thread(derive_owner_key, password, salt)
        await self._keep(session_id, ref, key)
        return key

    async def open_for_session(self, session_id: str, ref: str) -> OwnerKey:
        """At sign-in without a password (identity platform): a key of this session only."""
        key = OwnerKey(os.urandom(32))
        await self._keep(session_id, ref, key)
        return key

    async def _keep(self, session_id: str, ref: str, key: OwnerKey) -> None:
        nonce = os.urandom(_NONCE)
        wrapped = nonce + AESGCM(_wrap_key(session_id)).encrypt(nonce, key.secret, ref.encode())
        async with store_errors("sign-in"):
            await self._redis.set(self._session_key(session_id), wrapped, ex=self._ttl)

    async def key(self, session_id: str, ref: str) -> OwnerKey | None:
        """This session's owner key, or None (signed in before the vault existed, or the wrap expired)."""
        async with store_errors("session"):
            wrapped = await self._redis.get(self._session_key(session_id))
        if wrapped is None:
            return None
        try:
            blob = as_bytes(wrapped)
            return OwnerKey(AESGCM(_wrap_key(session_id)).decrypt(blob[:_NONCE], blob[_NONCE:], ref.encode()))
        except (InvalidTag, ValueError):
            return None

    async def close(self, session_id: str) -> None:
        """At sign-out: the wrap goes, and with it every way to the owner key but the password."""
        async with store_errors("sign-out"):
            await self._redis.delete(self._session_key(session_id))
