"""What the broker keeps of tickets, in Redis: ticket id, region, kind, status, dates — no record content
(invariant 2) — and the index that finds issued reports holding a record.

``{prefix}tickets:{subject_ref}`` (hash)
    ticket id → JSON ``{region, kind, status, filed_at, due_on, closed_at, reports, relayed}``; ``reports`` are the
    numbers of the issued reports this ticket suspended, ``relayed`` whether a repair notice went to the others.
``{prefix}{chain}:report:rec:{record_ref}`` (hash, written with each issued report: :meth:`record_writes`)
    report number → ``1`` for every issued report holding the record; ``record_ref`` is an HMAC of the record id
    under a key derived from the subject-key secret, so the index names no record. Record ids are the hash of a
    decision's natural key (:func:`adapters.store.record_id_for`): every region's copy of a decision has the same
    one, so the index finds a report whichever region's copy it shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from broker.audit.writes import IndexWrite, chain_key
from consent.errors import store_errors
from consent.redis_writes import RedisClient


@dataclass(frozen=True, slots=True)
class StoredTicket:
    ticket_id: str
    region: str
    kind: str
    status: str
    filed_at: str
    due_on: str
    closed_at: str = ""
    reports: tuple[str, ...] = ()
    relayed: bool = False
    history: tuple[dict[str, str], ...] = field(default=())  # status events only: at, status (no notes)


def record_ref(secret: bytes, record_id: str) -> str:
    return hmac.digest(_index_key(secret), record_id.encode(), "sha256").hex()[:32]


@lru_cache(maxsize=4)
def _index_key(secret: bytes) -> bytes:
    # Derived once per secret, not once per record: a report of 10,000 records indexes each of them.
    return hmac.new(secret, b"jjj record index/1", hashlib.sha256).digest()


def record_index_writes(
    prefix: str, secret: bytes, report_no: str, record_ids: Iterable[str], ttl_s: int
) -> list[IndexWrite]:
    """The index writes of one issued report (applied with its snapshot, in the chain's slot): for each record, its
    hash ``report:rec:{ref}`` gets the field ``report_no``."""
    ids = sorted(set(record_ids))
    if not ids:
        return []
    keys = tuple(chain_key(prefix, f"report:rec:{record_ref(secret, rid)}") for rid in ids)
    return [IndexWrite(keys, report_no, "1", ttl_s)]


class TicketIndex:
    def __init__(self, redis: RedisClient, prefix: str, secret: bytes, *, ttl_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._secret = secret
        self._ttl_s = ttl_s

    def _tickets_key(self, subject_ref: str) -> str:
        return f"{self._prefix}tickets:{subject_ref}"

    def _record_key(self, record_id: str) -> str:
        return chain_key(self._prefix, f"report:rec:{record_ref(self._secret, record_id)}")

    async def reports_with(self, record_id: str) -> list[str]:
        async with store_errors("objections"):
            numbers = await self._redis.hkeys(self._record_key(record_id))
        return sorted(n.decode() if isinstance(n, bytes) else str(n) for n in numbers)

    async def save(self, subject_ref: str, ticket: StoredTicket) -> None:
        key = self._tickets_key(subject_ref)
        async with store_errors("objections"):
            await self._redis.hset(key, ticket.ticket_id, json.dumps(asdict(ticket), ensure_ascii=False))
            await self._redis.expire(key, self._ttl_s)

    async def for_subject(self, subject_ref: str) -> list[StoredTicket]:
        async with store_errors("objections"):
            raw: dict[Any, Any] = await self._redis.hgetall(self._tickets_key(subject_ref))
        tickets = []
        for value in raw.values():
            data = json.loads(value)
            data["reports"] = tuple(data.get("reports", ()))
            data["history"] = tuple(data.get("history", ()))
            tickets.append(StoredTicket(**data))
        return sorted(tickets, key=lambda t: t.filed_at, reverse=True)
