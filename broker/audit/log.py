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
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from redis.typing import EncodableT

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
from consent.eddsa import ALGORITHM, eddsa_registry
from consent.errors import ConsentStoreUnavailable, store_errors
from consent.redis_writes import RedisClient, ReplicaAck
from merge.identifiers import Subject

_APPEND_ATTEMPTS = 100
#: Most entries one script appends (a group commit, see :meth:`AuditLog.append`).
_BATCH = 64

# A group commit: n entries chained one after the other, with the writes of each, in one script.
# KEYS[1] chain stream, then per entry: its subject index, then the keys of the writes that go with it.
# ARGV: prev, genesis, n, then per entry: seq, hash, entry, subject_key, how many write keys, its writes
# (broker.audit.writes.encode). Returns {1, id, id, ...} when every entry was appended and written, {0, head_hash,
# head_seq} when the head moved since the entries were hashed, {-1, key} when a key holds another type; in both of
# those nothing at all is written.
_APPEND_LUA = (
    WRITES_LUA
    + """
local head, seq = ARGV[2], 0
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head = fields[i + 1] elseif fields[i] == 'seq' then seq = tonumber(fields[i + 1]) end
  end
end
if head ~= ARGV[1] or seq + 1 ~= tonumber(ARGV[4]) then
  return {0, head, tostring(seq)}
end
local items, k, pos = {}, 2, 4
for i = 1, tonumber(ARGV[3]) do
  local index_key, subject_key, nkeys = KEYS[k], ARGV[pos + 3], tonumber(ARGV[pos + 4])
  local index = redis.call('TYPE', index_key)['ok']
  if subject_key ~= '' and index ~= 'none' and index ~= 'list' then return {-1, index_key} end
  local writes, wrong, after = check_writes(k + 1, pos + 5, k + nkeys)
  if wrong then return {-1, wrong} end
  items[i] = {pos, index_key, writes}
  k, pos = k + 1 + nkeys, after
end
local ids = {1}
for _, item in ipairs(items) do
  local p = item[1]
  apply_writes(item[3])
  local id = redis.call('XADD', KEYS[1], '*', 'seq', ARGV[p], 'hash', ARGV[p + 1], 'entry', ARGV[p + 2])
  if ARGV[p + 3] ~= '' then redis.call('RPUSH', item[2], id) end
  ids[#ids + 1] = id
end
return ids
"""
)


class _WrongType(ConsentStoreUnavailable):
    """A key of the batch holds another type: nothing of the batch was written."""


@dataclass(slots=True)
class _Pending:
    """An entry waiting for the next group commit, and where its outcome goes."""

    entry: dict[str, Any]
    subject_key: str
    index_key: str
    write_keys: list[str]
    write_args: list[EncodableT]
    done: asyncio.Future[AuditEntry]


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
        # Group commit: one script call at a time from this process, appending every entry that arrived while the
        # previous call was on its way (up to _BATCH), chained in arrival order. Concurrent calls would all hash
        # over the same guess of the head, all but one lose, and overwrite each other's corrections (a livelock
        # under load); one at a time, each entry alone, cost a round trip and a script run per entry. Other
        # processes are still raced by compare-and-append.
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

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
        write_keys, write_args = encode(with_writes)
        done: asyncio.Future[AuditEntry] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(entry, subject_key, index_key, write_keys, write_args, done))
        if self._flusher is None or self._flusher.done():
            # Its own task: a caller cancelled while waiting leaves the others' entries to be appended all the same.
            self._flusher = asyncio.ensure_future(self._flush())
        appended = await asyncio.shield(done)
        if self._keyring is not None and appended.seq % self._checkpoint_every == 0:
            await self.checkpoint()
        return appended

    async def _flush(self) -> None:
        """Append what is pending, a batch per script call, until nothing is; each entry's outcome to its future."""
        while self._pending:
            batch, self._pending = self._pending[:_BATCH], self._pending[_BATCH:]
            try:
                async with store_errors("audit log"):
                    entries = await self._append_batch(batch)
            except _WrongType as exc:
                if len(batch) > 1:
                    # One entry's key is wrong: nothing was written; append them one by one, so only it fails.
                    self._pending[:0] = batch[1:]
                    batch = batch[:1]
                    await self._settle_alone(batch[0])
                    continue
                _fail(batch[0], exc)
            except Exception as exc:
                for item in batch:
                    _fail(item, exc)
            except BaseException:
                for item in [*batch, *self._pending]:
                    item.done.cancel()
                self._pending = []
                raise
            else:
                for item, appended in zip(batch, entries, strict=True):
                    if not item.done.done():
                        item.done.set_result(appended)

    async def _settle_alone(self, item: _Pending) -> None:
        try:
            async with store_errors("audit log"):
                (appended,) = await self._append_batch([item])
        except Exception as exc:
            _fail(item, exc)
        else:
            if not item.done.done():
                item.done.set_result(appended)

    async def _append_batch(self, batch: Sequence[_Pending]) -> list[AuditEntry]:
        keys = [self.stream_key]
        for item in batch:
            keys += [item.index_key, *item.write_keys]
        for _ in range(_APPEND_ATTEMPTS):
            prev, seq = self._head
            args: list[EncodableT] = [prev, GENESIS, len(batch)]
            chained: list[tuple[bytes, str]] = []
            for item in batch:
                seq += 1
                body = canonical(item.entry | {"prev": prev, "seq": seq})
                prev = entry_hash(body)
                chained.append((body, prev))
                args += [seq, prev, body, item.subject_key, len(item.write_keys), *item.write_args]
            result = await self._acks.eval(self._redis, _APPEND_LUA, keys, args)
            status = int(result[0])
            if status == -1:
                raise _WrongType(f"audit log: {result[1].decode()} holds another type; nothing written")
            if status == 1:
                self._head = (prev, seq)
                return [
                    parse_entry(stream_id.decode(), {b"entry": body, b"hash": digest.encode()})
                    for stream_id, (body, digest) in zip(result[1:], chained, strict=True)
                ]
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


def _fail(item: _Pending, exc: BaseException) -> None:
    if not item.done.done():
        item.done.set_exception(exc)
