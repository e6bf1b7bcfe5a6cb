"""The audit log: an append-only, hash-chained Redis Stream of who did what about which subject (invariant 6).

Every entry holds time, actor, action, subject (masked) and ``subject_key`` (:meth:`BrokerStore.subject_key`,
an HMAC, so a subject's entries can be found without storing its identifier), grant, grantee, purpose,
outcome, request id, a few short ``detail`` strings, its sequence number ``seq`` (1, 2, …) and ``prev``, the
hash of the entry before it (:data:`GENESIS` for the first). ``hash`` = SHA-256 of the entry's canonical JSON
(sorted keys, no spaces, UTF-8), which includes ``prev`` and ``seq``: changing, removing or moving any entry
breaks the chain after it. Never record content; resident-ID-shaped values are masked before they are hashed.

Appends are race-free across broker replicas: a Lua script compares the stream's head with the ``prev`` the
entry was hashed over and XADDs only if they are equal (compare-and-append); on a conflict it returns the real
head and the client re-hashes over it. A deleted *tail* leaves a valid shorter chain, so the head is signed
(JWS, the key ring's active key) every ``checkpoint_every`` entries and on demand (:meth:`AuditLog.checkpoint`),
and the verifier (:mod:`broker.audit_verify`) checks the chain against every signed checkpoint.

Redis keys (under the broker's prefix): ``audit:log`` (the chain), ``audit:checkpoints`` (signed heads),
``audit:subject:<subject_key>`` (a list of the subject's entry ids, oldest first).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from joserfc import jws
from redis.asyncio.client import Pipeline

from broker.keys import KeyRing
from broker.redis_store import store_errors
from consent.warrants import ALGORITHM, eddsa_registry
from merge.identifiers import InvalidIdentifier, Subject, mask_resident_id, validate_resident_id

GENESIS = "0" * 64
_APPEND_ATTEMPTS = 100
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")

# KEYS[1] chain stream, KEYS[2] subject index; ARGV: prev, seq, hash, entry, subject_key.
# Returns {1, id} when appended, {0, head_hash, head_seq} when the head moved since the entry was hashed.
_APPEND_LUA = """
local head, seq = ARGV[6], 0
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head = fields[i + 1] elseif fields[i] == 'seq' then seq = tonumber(fields[i + 1]) end
  end
end
if head ~= ARGV[1] or seq + 1 ~= tonumber(ARGV[2]) then
  return {0, head, tostring(seq)}
end
local id = redis.call('XADD', KEYS[1], '*', 'seq', ARGV[2], 'hash', ARGV[3], 'entry', ARGV[4])
if ARGV[5] ~= '' then redis.call('RPUSH', KEYS[2], id) end
return {1, id}
"""


class Action:
    """The actions the broker records (a vocabulary; ``append`` takes any short string)."""

    REPORT_ISSUE = "report.issue"
    REPORT_VERIFY = "report.verify"
    CONSENT_GRANT = "consent.grant"
    CONSENT_PAUSE = "consent.pause"
    CONSENT_RESUME = "consent.resume"
    CONSENT_REVOKE = "consent.revoke"
    TOKEN_ISSUE = "token.issue"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKE = "token.revoke"  # noqa: S105


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as stored (``id`` is its stream id)."""

    id: str
    seq: int
    time: str
    actor: str
    action: str
    subject: str
    subject_key: str
    grant: str
    grantee: str
    purpose: str
    outcome: str
    request_id: str
    prev: str
    hash: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed chain head: ``jws`` is compact, its payload ``{"seq", "hash", "id", "time"}``."""

    seq: int
    hash: str
    jws: str


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def scrub(value: str) -> str:
    """``value`` with every valid resident ID in it masked (a defence: callers should never pass one)."""

    def mask(match: re.Match[str]) -> str:
        try:
            return mask_resident_id(validate_resident_id(match.group(0)))
        except InvalidIdentifier:
            return match.group(0)

    return _RESIDENT_ID.sub(mask, value)


def stream_rows(raw: Any) -> list[tuple[str, dict[bytes, bytes]]]:
    """XRANGE/XREVRANGE replies with the client's loose types narrowed (the broker's client returns bytes)."""
    return [
        (stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id), dict(fields or {}))
        for stream_id, fields in raw or []
    ]


def parse_entry(stream_id: str, fields: Mapping[bytes, bytes]) -> AuditEntry:
    """An entry from its stream fields (``ValueError``/``KeyError`` when malformed)."""
    body = json.loads(fields[b"entry"])
    detail = body.pop("detail", {})
    return AuditEntry(id=stream_id, hash=fields[b"hash"].decode(), detail=dict(detail), **body)


class AuditLog:
    """Append to and read the chain; one instance per broker process, any number of processes."""

    def __init__(
        self, redis: aioredis.Redis, prefix: str, keyring: KeyRing | None, *, checkpoint_every: int = 100
    ) -> None:
        self._redis = redis
        self._keyring = keyring
        self._checkpoint_every = checkpoint_every
        self.stream_key = f"{prefix}audit:log"
        self.checkpoints_key = f"{prefix}audit:checkpoints"
        self._subject_prefix = f"{prefix}audit:subject:"
        self._append = redis.register_script(_APPEND_LUA)
        self._head: tuple[str, int] = (GENESIS, 0)  # a guess; the script corrects it

    async def append(
        self,
        *,
        action: str,
        actor: str,
        outcome: str,
        subject: Subject | None = None,
        subject_key: str = "",
        grant: str = "",
        grantee: str = "",
        purpose: str = "",
        request_id: str = "",
        detail: Mapping[str, str] | None = None,
        now: datetime | None = None,
        before: Callable[[Pipeline], None] | None = None,
    ) -> AuditEntry:
        """Append one entry and return it. ``subject`` is stored masked; ``subject_key`` must be its
        :meth:`BrokerStore.subject_key` (required with a subject). Redis down → ``ConsentStoreUnavailable``.

        ``before`` queues other writes (the issued report's snapshot and query log) on the MULTI/EXEC pipeline
        of the first append attempt: they and the entry reach Redis in one round trip, all applied or none.
        They are sent exactly once; should the chain's head have moved, only the entry is appended again."""
        if subject is not None and not subject_key:
            raise ValueError("subject_key: required with a subject (BrokerStore.subject_key(subject))")
        entry: dict[str, Any] = {
            "time": (now or datetime.now(UTC)).isoformat(timespec="milliseconds"),
            "actor": scrub(actor),
            "action": scrub(action),
            "subject": subject.masked if subject is not None else "",
            "subject_key": subject_key,
            "grant": scrub(grant),
            "grantee": scrub(grantee),
            "purpose": scrub(purpose),
            "outcome": scrub(outcome),
            "request_id": scrub(request_id),
            "detail": {scrub(k): scrub(v) for k, v in (detail or {}).items()},
        }
        index_key = self._subject_prefix + (subject_key or "-")
        async with store_errors("audit log"):
            for attempt in range(_APPEND_ATTEMPTS):
                prev, seq = self._head
                body = canonical(entry | {"prev": prev, "seq": seq + 1})
                digest = entry_hash(body)
                args: list[str | bytes | int] = [prev, seq + 1, digest, body, subject_key, GENESIS]
                failed: Exception | None = None
                if before is not None and attempt == 0:
                    result, failed = await self._append_with(before, index_key, args)
                else:
                    result = await self._append(keys=[self.stream_key, index_key], args=args)
                if int(result[0]) == 0:
                    self._head = (result[1].decode(), int(result[2]))
                else:
                    self._head = (digest, seq + 1)
                if failed is not None:  # one of the other writes failed: the caller's operation did not happen
                    raise failed
                if int(result[0]) != 0:
                    break
            else:
                raise RuntimeError("audit log: too much contention, entry not appended")
        appended = parse_entry(result[1].decode(), {b"entry": body, b"hash": digest.encode()})
        if self._keyring is not None and appended.seq % self._checkpoint_every == 0:
            await self.checkpoint()
        return appended

    async def _append_with(
        self, before: Callable[[Pipeline], None], index_key: str, args: list[str | bytes | int]
    ) -> tuple[Any, Exception | None]:
        """The script's reply, and the first error of the ``before`` writes (raised by the caller once the
        chain's head is known: a runtime error in MULTI/EXEC does not undo the other commands)."""
        # EVAL (not EVALSHA): inside MULTI a NOSCRIPT would fail the entry after the other writes were applied.
        # Redis caches the compiled script by its hash, so resending the ~700-byte source costs next to nothing.
        async with self._redis.pipeline(transaction=True) as pipe:
            before(pipe)
            pipe.eval(_APPEND_LUA, 2, self.stream_key, index_key, *args)
            results = await pipe.execute(raise_on_error=False)
        errors = [r for r in results if isinstance(r, Exception)]
        if isinstance(results[-1], Exception):
            raise results[-1]
        return results[-1], (errors[0] if errors else None)

    async def head(self) -> tuple[str, int, str]:
        """``(hash, seq, stream id)`` of the newest entry, or ``(GENESIS, 0, "")`` for an empty log."""
        rows = stream_rows(await self._redis.xrevrange(self.stream_key, count=1))
        if not rows:
            return GENESIS, 0, ""
        stream_id, fields = rows[0]
        return fields[b"hash"].decode(), int(fields[b"seq"]), stream_id

    async def checkpoint(self, now: datetime | None = None) -> Checkpoint:
        """Sign the current head with the key ring's active key and store the signature."""
        if self._keyring is None:
            raise RuntimeError("audit log: no key ring to sign checkpoints with")
        async with store_errors("audit checkpoint"):
            digest, seq, stream_id = await self.head()
            payload = {"seq": seq, "hash": digest, "id": stream_id, "time": (now or datetime.now(UTC)).isoformat()}
            header = {"alg": ALGORITHM, "kid": self._keyring.active_kid, "typ": "jjj-audit-checkpoint+jws"}
            token = jws.serialize_compact(header, canonical(payload), self._keyring.active, registry=eddsa_registry())
            await self._redis.xadd(self.checkpoints_key, {"jws": token})
        return Checkpoint(seq=seq, hash=digest, jws=token)

    async def entries_for_subject(self, subject_key: str, count: int = 50) -> list[AuditEntry]:
        """The subject's newest ``count`` entries, newest first ("who queried me")."""
        async with store_errors("audit history"):
            ids = await self._redis.lrange(self._subject_prefix + subject_key, -count, -1)
            async with self._redis.pipeline(transaction=False) as pipe:
                for stream_id in reversed(ids):
                    pipe.xrange(self.stream_key, stream_id, stream_id)
                results = await pipe.execute()
        entries: list[AuditEntry] = []
        for raw in results:
            # An id whose entry was deleted shows nothing here; the verifier reports the deletion.
            entries.extend(parse_entry(stream_id, fields) for stream_id, fields in stream_rows(raw))
        return entries
