"""Verify the audit chain (:mod:`broker.audit.log`): what ``jjj audit verify`` runs.

Detects, and names by sequence number and stream id:

* an **edited** entry — its content no longer hashes to its ``hash`` (or a rewritten hash breaks the next
  entry's ``prev``, or disagrees with a signed checkpoint);
* a **deleted**, inserted or **reordered** entry — ``seq`` not one more than the entry before, or ``prev`` not
  the hash of the entry before; the first entry must be ``seq`` 1 with ``prev`` :data:`~broker.audit.entries.GENESIS`;
* a **truncated** tail — the chain ends before the newest signed checkpoint, or the entry at a checkpoint's
  ``seq`` does not have the hash that was signed.

Checkpoints are JWS signed by a key of the broker's key ring (any key ever used: rotation); one with a bad
signature is itself reported. Entries appended after the newest checkpoint can be cut without trace until the
next checkpoint — that is what the checkpoint interval trades off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from broker.audit.entries import GENESIS, entry_hash, stream_rows
from broker.audit.writes import chain_key
from consent.eddsa import eddsa_registry
from consent.redis_writes import RedisClient

_BATCH = 500
_MAX_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """``ok`` is true only when the chain is intact and agrees with every valid checkpoint."""

    entries: int
    last_seq: int
    checkpoints: int
    checkpoint_seq: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        state = "OK" if self.ok else f"TAMPERED ({len(self.problems)} problem(s))"
        return (
            f"audit chain {state}: {self.entries} entries (last seq {self.last_seq}), "
            f"{self.checkpoints} signed checkpoint(s), newest at seq {self.checkpoint_seq}"
        )


async def _checkpoints(redis: RedisClient, key: str, keys: KeySet, problems: list[str]) -> dict[int, str]:
    """Valid checkpoints as ``{seq: hash}``; a checkpoint that does not verify is a problem."""
    signed: dict[int, str] = {}
    for name, fields in stream_rows(await redis.xrange(key)):
        try:
            payload = json.loads(jws.deserialize_compact(fields[b"jws"], keys, registry=eddsa_registry()).payload)
            seq, digest = int(payload["seq"]), str(payload["hash"])
        except (JoseError, KeyError, ValueError, TypeError):
            problems.append(f"checkpoint {name}: signature or payload invalid")
            continue
        if signed.get(seq, digest) != digest:
            problems.append(f"checkpoint {name}: two signed checkpoints disagree about seq {seq}")
        signed[seq] = digest
    return signed


async def verify_chain(redis: RedisClient, prefix: str, keys: KeySet) -> VerifyResult:
    """Walk the whole chain under ``prefix`` (the broker's Redis prefix) and check it; see the module docstring.

    ``keys`` verifies checkpoints: ``KeyRing.verification_keys()`` or the broker's public JWKS.
    """
    problems: list[str] = []
    signed = await _checkpoints(redis, chain_key(prefix, "audit:checkpoints"), keys, problems)
    stream = chain_key(prefix, "audit:log")
    prev, expected, count, start = GENESIS, 1, 0, "-"
    while True:
        rows = stream_rows(await redis.xrange(stream, min=start, max="+", count=_BATCH))
        for stream_id, fields in rows:
            count += 1
            where = f"entry {stream_id}"
            try:
                body, stored = fields[b"entry"], fields[b"hash"].decode()
                entry = json.loads(body)
                seq, entry_prev = int(entry["seq"]), str(entry["prev"])
            except (KeyError, ValueError, TypeError, UnicodeDecodeError):
                problems.append(f"{where}: malformed")
                continue
            where = f"entry seq {seq} ({stream_id})"
            if entry_hash(body) != stored or fields.get(b"seq") != str(seq).encode():
                problems.append(f"{where}: content does not match its hash (edited)")
            if seq != expected:
                problems.append(f"{where}: expected seq {expected} (entry deleted, inserted or reordered)")
            if entry_prev != prev:
                problems.append(f"{where}: prev is not the hash of the entry before it (deleted or reordered)")
            if seq in signed and signed[seq] != stored:
                problems.append(f"{where}: hash differs from the signed checkpoint (rewritten)")
            prev, expected = stored, seq + 1
        if len(rows) < _BATCH:
            break
        start = "(" + rows[-1][0]
    last_seq = expected - 1
    newest = max(signed, default=0)
    if newest > last_seq:
        problems.append(f"chain ends at seq {last_seq} but a checkpoint was signed at seq {newest} (truncated)")
    if len(problems) > _MAX_PROBLEMS:
        problems = [*problems[:_MAX_PROBLEMS], f"… and {len(problems) - _MAX_PROBLEMS} more"]
    return VerifyResult(
        entries=count, last_seq=last_seq, checkpoints=len(signed), checkpoint_seq=newest, problems=problems
    )
