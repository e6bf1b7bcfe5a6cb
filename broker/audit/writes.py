"""Writes that must land in the same Redis transaction as an audit entry, given as plain values.

An issued report is its snapshot *and* its audit entry, or neither: the report store describes the snapshot's
writes with these values and :meth:`broker.audit.log.AuditLog.append` sends them in the MULTI/EXEC that appends
the entry. Nobody outside the audit log ever holds a Redis pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from redis.asyncio.client import Pipeline
from redis.typing import EncodableT, FieldT


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


Write = HashWrite | StringWrite


def queue(pipe: Pipeline, write: Write) -> None:
    """Queue one write's commands on ``pipe``."""
    if isinstance(write, HashWrite):
        pipe.hset(write.key, mapping=dict(write.mapping))
        pipe.expire(write.key, write.ttl_s)
    else:
        pipe.set(write.key, write.value, ex=write.ttl_s)
