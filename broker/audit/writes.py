"""Writes that must land in the same atomic step as an audit entry, given as plain values.

An issued report is its snapshot *and* its audit entry, or neither: the report store describes the snapshot's
writes with these values and :meth:`broker.audit.log.AuditLog.append` makes them in the script that appends the
entry, only if the entry is appended. Nobody outside the audit log ever holds a Redis script or pipeline.

Redis Cluster: one script touches one slot, so the chain and everything written with it carry one hash tag,
:data:`CHAIN_TAG` (:func:`chain_key`). The chain is one sequence anyway — each entry names the hash of the one
before — so it cannot be spread over nodes; what is written with it goes where it goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from redis.typing import EncodableT, FieldT

#: The hash tag of the audit chain, its indexes and what is written with its entries (issued reports).
CHAIN_TAG = "{chain}"


def chain_key(prefix: str, name: str) -> str:
    """``{prefix}{chain}:{name}``: a key in the chain's slot."""
    return f"{prefix}{CHAIN_TAG}:{name}"


@dataclass(frozen=True, slots=True)
class HashWrite:
    """``HSET key mapping`` then ``EXPIRE key ttl_s``."""

    key: str
    mapping: Mapping[FieldT, EncodableT]
    ttl_s: int


@dataclass(frozen=True, slots=True)
class StringWrite:
    """``SET key value EX ttl_s``."""

    key: str
    value: EncodableT
    ttl_s: int


@dataclass(frozen=True, slots=True)
class IndexWrite:
    """``HSET key field value`` then ``EXPIRE key ttl_s`` for each of ``keys``: one field set in many hashes.

    What an issued report's per-record index is (:func:`broker.objections.store.record_index_writes`): one hash per
    record, 10,000 for a large subject. As as many :class:`HashWrite` values it cost six script arguments per
    record, and redis-py packs each argument in Python: a quarter of the broker's time for such a report. This
    sends each key once and the field, value and TTL once for all.
    """

    keys: tuple[str, ...]
    field: FieldT
    value: EncodableT
    ttl_s: int


Write = HashWrite | StringWrite | IndexWrite

# Lua: check_writes(first, pos[, last]) reads the writes whose keys are KEYS[first..last] (to the end without last)
# and whose values start at ARGV[pos] (per write: kind 'h' or 's', TTL, count n, then n values: field/value pairs,
# or the string; or kind 'x', TTL, n, field, value for the n keys from this one on), and returns them (and the ARGV
# position after them), or the key of a hash write that holds another type. apply_writes(list) makes them. Checks
# first, writes after: a refusal writes nothing (Redis does not roll a script back).
WRITES_LUA = """
local function check_writes(first, pos, last)
  local list = {}
  local k = first
  last = last or #KEYS
  while k <= last do
    local kind, ttl, n = ARGV[pos], ARGV[pos + 1], tonumber(ARGV[pos + 2])
    local span, values = 1, n
    if kind == 'x' then span, values = n, 2 end
    if kind == 'h' or kind == 'x' then
      for j = k, k + span - 1 do
        local t = redis.call('TYPE', KEYS[j])['ok']
        if t ~= 'none' and t ~= 'hash' then return nil, KEYS[j] end
      end
    end
    list[#list + 1] = {k, kind, ttl, pos + 3, n}
    k, pos = k + span, pos + 3 + values
  end
  return list, nil, pos
end
local function apply_writes(list)
  for _, w in ipairs(list) do
    local key, kind, ttl, at, n = KEYS[w[1]], w[2], w[3], w[4], w[5]
    if kind == 'h' then
      redis.call('HSET', key, unpack(ARGV, at, at + n - 1))
      redis.call('EXPIRE', key, ttl)
    elseif kind == 'x' then
      local field, value = ARGV[at], ARGV[at + 1]
      for j = w[1], w[1] + n - 1 do
        redis.call('HSET', KEYS[j], field, value)
        redis.call('EXPIRE', KEYS[j], ttl)
      end
    else
      redis.call('SET', key, ARGV[at], 'EX', ttl)
    end
  end
end
"""

# KEYS: the writes' keys; ARGV: the writes. Returns 1, or the key of a hash write that holds another type.
STORE_WRITES_LUA = (
    WRITES_LUA
    + """
local list, wrong = check_writes(1, 1)
if wrong then return wrong end
apply_writes(list)
return 1
"""
)


def encode(writes: Sequence[Write]) -> tuple[list[str], list[EncodableT]]:
    """The writes as the scripts' keys and arguments (:data:`WRITES_LUA`)."""
    keys: list[str] = []
    args: list[EncodableT] = []
    for write in writes:
        if isinstance(write, IndexWrite):
            if not write.keys:
                continue  # nothing to write (the script counts an entry's writes by their keys: it would not read it)
            keys += write.keys
            args += ["x", write.ttl_s, len(write.keys), write.field, write.value]
            continue
        keys.append(write.key)
        if isinstance(write, HashWrite):
            pairs = [item for pair in write.mapping.items() for item in pair]
            args += ["h", write.ttl_s, len(pairs), *pairs]
        else:
            args += ["s", write.ttl_s, 1, write.value]
    return keys, args


def check_slot(prefix: str, writes: Sequence[Write]) -> None:
    """Refuse writes outside the chain's slot: on one Redis they would work, on a cluster the script would fail."""
    inside = chain_key(prefix, "")
    for write in writes:
        for key in write.keys if isinstance(write, IndexWrite) else (write.key,):
            if not key.startswith(inside):
                raise ValueError(f"audit: a write with an entry must be in the chain's slot ({inside}…): {key}")
