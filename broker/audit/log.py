"""The audit log: an append-only, hash-chained Redis Stream of who did what about which subject (invariant 5).

Entries are described in :mod:`broker.audit.entries`. Appends are race-free across broker replicas: a Lua
script compares the stream's head with the ``prev`` the entry was hashed over and XADDs only if they are equal
(compare-and-append); on a conflict it returns the real head and the client re-hashes over it. A deleted *tail*
leaves a valid shorter chain, so the head is signed (JWS, the key ring's active key) every ``checkpoint_every``
entries and on demand (:meth:`AuditLog.checkpoint`), and the verifier (:mod:`broker.audit.verify`) checks the
chain against every signed checkpoint.

Redis keys (under the broker's prefix, all with the chain's hash tag :data:`~broker.audit.writes.CHAIN_TAG`, so
one script can append to the chain, index the entry under its subject and make the writes that go with it on a
Redis Cluster too): ``{chain}:audit:log`` (the chain), ``{chain}:audit:checkpoints`` (signed heads),
``{chain}:audit:subject:<subject_key>`` (a list of the subject's entry ids, oldest first). The index could live in
the subject's own slot only if appending and indexing were two steps, and a crash between them would hide a query
from its subject (invariant 5). Appends and checkpoints are acknowledged by replicas
(:class:`~consent.redis_writes.ReplicaAck`) before they count as done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from joserfc import jws

from broker.audit.entries import (
    GENESIS,
    AuditEntry,
    Checkpoint,
    canonical,
    entry_hash,
    parse_entry,
    scrub,
    stream_rows,
)
from broker.audit.writes import WRITES_LUA, Write, chain_key, check_slot, encode
from broker.clock import Clock, SystemClock
from broker.keys import KeyRing
from consent.errors import ConsentStoreUnavailable, store_errors
from consent.redis_writes import RedisClient, ReplicaAck
from consent.warrants import ALGORITHM, eddsa_registry
from merge.identifiers import Subject

_APPEND_ATTEMPTS = 100

# KEYS[1] chain stream, KEYS[2] subject index, KEYS[3..] the keys of the writes that go with the entry.
# ARGV: prev, seq, hash, entry, subject_key, genesis, then the writes (broker.audit.writes.encode).
# Returns {1, id} when appended and written, {0, head_hash, head_seq} when the head moved since the entry was hashed,
# {-1, key} when a key holds another type; in both of those nothing is written.
_APPEND_LUA = (
    WRITES_LUA
    + """
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
local index = redis.call('TYPE', KEYS[2])['ok']
if ARGV[5] ~= '' and index ~= 'none' and index ~= 'list' then return {-1, KEYS[2]} end
local writes, wrong = check_writes(3, 7)
if wrong then return {-1, wrong} end
apply_writes(writes)
local id = redis.call('XADD', KEYS[1], '*', 'seq', ARGV[2], 'hash', ARGV[3], 'entry', ARGV[4])
if ARGV[5] ~= '' then redis.call('RPUSH', KEYS[2], id) end
return {1, id}
"""
)


class AuditLog:
    """Append to and read the chain; one instance per broker process, any number of processes."""

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        keyring: KeyRing | None,
        *,
        checkpoint_every: int = 100,
        clock: Clock | None = None,
        acks: ReplicaAck | None = None,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._keyring = keyring
        self._checkpoint_every = checkpoint_every
        self._clock = clock or SystemClock()
        self._acks = acks or ReplicaAck()
        self.stream_key = chain_key(prefix, "audit:log")
        self.checkpoints_key = chain_key(prefix, "audit:checkpoints")
        self._subject_prefix = chain_key(prefix, "audit:subject:")
        self._head: tuple[str, int] = (GENESIS, 0)  # a guess; the script corrects it
        # One append at a time from this process: concurrent ones would all hash over the same guess, all but one
        # lose, and overwrite each other's corrections of it (a livelock under load, worse while each waits for a
        # replica). Other processes are still raced by compare-and-append.
        self._appending = asyncio.Lock()

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
        with_writes: Sequence[Write] = (),
    ) -> AuditEntry:
        """Append one entry and return it. ``subject`` is stored masked; ``subject_key`` must be its
        :func:`consent.accounts.subject_ref` (required with a subject). Redis down → ``ConsentStoreUnavailable``.

        ``with_writes`` (keys in the chain's slot, :func:`~broker.audit.writes.chain_key`) are made by the script
        that appends the entry, only when it does: the entry and they are written together or not at all. Should
        the chain's head have moved, nothing is written and both are sent again over the new head. Should a key
        hold another type, nothing is written and the append raises (the caller's operation did not happen)."""
        if subject is not None and not subject_key:
            raise ValueError("subject_key: required with a subject (consent.accounts.subject_ref)")
        check_slot(self._prefix, with_writes)
        entry: dict[str, Any] = {
            "time": self._clock.now().isoformat(timespec="milliseconds"),
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
        async with self._appending, store_errors("audit log"):
            appended = await self._append_entry(entry, subject_key, index_key, with_writes)
        if self._keyring is not None and appended.seq % self._checkpoint_every == 0:
            await self.checkpoint()
        return appended

    async def _append_entry(
        self, entry: dict[str, Any], subject_key: str, index_key: str, writes: Sequence[Write]
    ) -> AuditEntry:
        write_keys, write_args = encode(writes)
        keys = [self.stream_key, index_key, *write_keys]
        for _ in range(_APPEND_ATTEMPTS):
            prev, seq = self._head
            body = canonical(entry | {"prev": prev, "seq": seq + 1})
            digest = entry_hash(body)
            args = [prev, seq + 1, digest, body, subject_key, GENESIS, *write_args]
            result = await self._acks.eval(self._redis, _APPEND_LUA, keys, args)
            status = int(result[0])
            if status == -1:
                raise ConsentStoreUnavailable(f"audit log: {result[1].decode()} holds another type; nothing written")
            if status == 1:
                self._head = (digest, seq + 1)
                return parse_entry(result[1].decode(), {b"entry": body, b"hash": digest.encode()})
            self._head = (result[1].decode(), int(result[2]))
        raise RuntimeError("audit log: too much contention, entry not appended")

    async def head(self) -> tuple[str, int, str]:
        """``(hash, seq, stream id)`` of the newest entry, or ``(GENESIS, 0, "")`` for an empty log."""
        rows = stream_rows(await self._redis.xrevrange(self.stream_key, count=1))
        if not rows:
            return GENESIS, 0, ""
        stream_id, fields = rows[0]
        return fields[b"hash"].decode(), int(fields[b"seq"]), stream_id

    async def checkpoint(self) -> Checkpoint:
        """Sign the current head with the key ring's active key and store the signature."""
        if self._keyring is None:
            raise RuntimeError("audit log: no key ring to sign checkpoints with")
        async with store_errors("audit checkpoint"):
            digest, seq, stream_id = await self.head()
            payload = {"seq": seq, "hash": digest, "id": stream_id, "time": self._clock.now().isoformat()}
            header = {"alg": ALGORITHM, "kid": self._keyring.active_kid, "typ": "jjj-audit-checkpoint+jws"}
            token = jws.serialize_compact(header, canonical(payload), self._keyring.active, registry=eddsa_registry())
            key = self.checkpoints_key
            await self._acks.command(self._redis, key, "XADD", key, "*", "jws", token)
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
