"""Built-in accounts for the demo and tests: enterprises keyed by USCC, persons keyed by resident ID.

Production signs subjects in through OpenID Connect (:mod:`consent.oidc`); these accounts are the embedded
default. Passwords are hashed with scrypt (RFC 7914), a memory-hard KDF, with a random 16-byte salt per
password; the parameters are stored with each hash so that they can be raised later without breaking old ones.

Redis keys (no identifier in clear, DESIGN "no raw data at rest"): ``{prefix}account:{subject_ref}`` is a hash
of ``name``, ``masked`` (the masked identifier), ``kind`` and ``password`` (the encoded scrypt hash).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from consent.errors import store_errors
from consent.redis_writes import RedisClient
from merge.identifiers import Subject, SubjectKind

#: scrypt cost: N=2**15, r=8, p=1 needs 32 MiB per hash (OWASP's 2024 minimum is N=2**17 at 128 MiB; we keep
#: the demo responsive on two cores and store the parameters so production can raise them).
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD_LENGTH = 10


def subject_ref(secret: bytes, subject: Subject) -> str:
    """HMAC-SHA256 of the subject: the only way Redis refers to a subject (``BrokerStore.subject_key`` uses it)."""
    digest = hmac.new(secret, f"{subject.kind.value}:{subject.identifier}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def pairwise_subject(secret: bytes, client_id: str, subject_ref: str) -> str:
    """The subject as one third party knows it (OIDC Core §8.1 pairwise identifier): different for every client,
    stable for one, and not linkable to the broker-wide :func:`subject_ref` nor to other clients' identifiers
    without ``secret`` (its key is derived from it, apart from the subject key's own)."""
    key = hmac.new(secret, b"jjj pairwise subject identifier/1", hashlib.sha256).digest()
    digest = hmac.new(key, f"{client_id}\x1f{subject_ref}".encode(), hashlib.sha256).digest()
    return "ps_" + base64.urlsafe_b64encode(digest[:20]).decode("ascii").rstrip("=")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64). CPU- and memory-bound: call it off the event loop."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of ``password`` against :func:`hash_password`'s output."""
    try:
        scheme, n, r, p, salt, expected = encoded.split("$")
        if scheme != "scrypt":
            return False
        key = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), maxmem=_MAXMEM, dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, base64.b64decode(expected))


class WeakPassword(ValueError):
    """The password is too short."""


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in identity. ``ref`` is the subject's HMAC; ``masked`` is safe to show to anyone."""

    ref: str
    kind: SubjectKind
    masked: str
    name: str


class AccountStore:
    """Accounts in Redis. Every Redis error becomes ``ConsentStoreUnavailable`` (fail closed)."""

    def __init__(self, redis: RedisClient, prefix: str, subject_secret: bytes) -> None:
        self._redis = redis
        self._prefix = prefix
        self._secret = subject_secret
        #: A hash of a random password, checked when an account does not exist, so that "no such account" and
        #: "wrong password" take the same time and cannot be told apart.
        self._dummy: str | None = None

    def ref(self, subject: Subject) -> str:
        return subject_ref(self._secret, subject)

    def _key(self, ref: str) -> str:
        return f"{self._prefix}account:{ref}"

    async def add(self, subject: Subject, name: str, password: str) -> Account:
        """Create or replace the account of ``subject`` (the password is hashed off the event loop)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
        if not name.strip():
            raise ValueError("name: must not be empty")
        encoded = await asyncio.to_thread(hash_password, password)
        account = Account(self.ref(subject), subject.kind, subject.masked, name.strip())
        async with store_errors("account"):
            await self._redis.hset(
                self._key(account.ref),
                mapping={
                    "name": account.name,
                    "masked": account.masked,
                    "kind": account.kind.value,
                    "password": encoded,
                },
            )
        return account

    async def get(self, ref: str) -> Account | None:
        async with store_errors("account"):
            row = await self._redis.hgetall(self._key(ref))
        if not row:
            return None
        return Account(ref, SubjectKind(_s(row[b"kind"])), _s(row[b"masked"]), _s(row[b"name"]))

    async def authenticate(self, subject: Subject, password: str) -> Account | None:
        """The account if ``password`` is right, else ``None`` (same cost whether or not the account exists)."""
        ref = self.ref(subject)
        async with store_errors("sign-in"):
            encoded = await self._redis.hget(self._key(ref), "password")
        if encoded is None:
            if self._dummy is None:
                self._dummy = await asyncio.to_thread(hash_password, secrets.token_urlsafe(16))
            await asyncio.to_thread(verify_password, password, self._dummy)
            return None
        if not await asyncio.to_thread(verify_password, password, _s(encoded)):
            return None
        return await self.get(ref)


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
