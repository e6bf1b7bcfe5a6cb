"""Where the broker keeps what it issued: report numbers, encrypted snapshots, and the audit entry of each request.

:class:`RedisReportStore` is the :class:`~broker.reports.interfaces.ReportStore`. An issued report is one write:
its snapshot (:class:`~broker.reports.snapshots.SnapshotStore` describes the writes) and its audit entry reach
Redis in one script, all applied or none — the report service hands over plain values and never sees Redis.
Report numbers come from a per-day counter in the audit chain's slot, acknowledged by replicas like the report
itself: a number handed out by a master that then died must not be handed out again by its successor.
No record content is kept in clear (invariant 2): the snapshot is sealed under the verification code, and the
audit entry names the subject only masked and by ``subject_key`` (an HMAC, :func:`consent.accounts.subject_ref`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from redis.typing import EncodableT, FieldT

from broker.audit.entries import Action
from broker.audit.log import AuditLog
from broker.audit.writes import HashWrite, Write, chain_key
from broker.objections.store import record_index_writes
from broker.reports.issuance import PreparedIssuance
from broker.reports.models import ReportEvent
from broker.reports.pending import CLAIM_TTL_S, PENDING_TTL_S, PendingEntry
from broker.reports.snapshots import SnapshotStore
from consent.accounts import subject_ref
from consent.errors import store_errors
from consent.redis_writes import RedisClient, ReplicaAck
from merge.identifiers import Subject

#: "Who queried me" lists this many of a subject's newest requests.
HISTORY = 100
_REPORT_NO = re.compile(r"JJJ-\d{8}-\d{6}")
# KEYS: the day's counter. ARGV: its TTL. The next number of the day.
_NEXT = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return n
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def is_report_no(value: str) -> bool:
    """Whether ``value`` has the form of a report number (what :meth:`RedisReportStore.next_report_no` makes)."""
    return _REPORT_NO.fullmatch(value) is not None


class RedisReportStore:
    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        subject_secret: bytes,
        snapshots: SnapshotStore,
        audit: AuditLog,
        *,
        acks: ReplicaAck | None = None,
    ) -> None:
        self._redis = redis
        self._acks = acks or ReplicaAck()
        self._prefix = prefix
        self._secret = subject_secret
        self.snapshots = snapshots
        self._audit = audit

    def subject_key(self, subject: Subject) -> str:
        """HMAC of the identifier: the key of everything about a subject (accounts, grants, the audit index)."""
        return subject_ref(self._secret, subject)

    async def ping(self) -> None:
        async with store_errors("health check"):
            await self._redis.ping()

    async def next_report_no(self, issued_at: datetime) -> str:
        """``JJJ-YYYYMMDD-NNNNNN``: a per-day sequence, unique across broker replicas sharing the Redis."""
        day = issued_at.strftime("%Y%m%d")
        key = chain_key(self._prefix, f"report_seq:{day}")
        async with store_errors("report"):
            seq = await self._acks.eval(self._redis, _NEXT, [key], [3 * 86400])
        return f"JJJ-{day}-{int(seq):06d}"

    def _pending_key(self, report_no: str) -> str:
        return chain_key(self._prefix, f"pending:{report_no}")

    async def record_pending(self, event: ReportEvent, entry: PendingEntry) -> None:
        """The audit entry of an ask that left the report pending, with the request kept for the next ask."""
        mapping: dict[FieldT, EncodableT] = {key: value for key, value in entry.to_mapping().items()}
        await self._append(event, [HashWrite(self._pending_key(entry.report_no), mapping, PENDING_TTL_S)])

    async def pending(self, report_no: str) -> PendingEntry | None:
        if not is_report_no(report_no):
            return None
        async with store_errors("report"):
            values = await self._redis.hgetall(self._pending_key(report_no))
        if not values:
            return None
        return PendingEntry.from_mapping({_text(k): _text(v) for k, v in values.items()})

    async def claim_pending(self, report_no: str) -> bool:
        """Whether this request may issue the pending report (one at a time, across replicas)."""
        async with store_errors("report"):
            return bool(await self._redis.set(self._pending_key(report_no) + ":claim", "1", nx=True, ex=CLAIM_TTL_S))

    async def release_pending(self, report_no: str) -> None:
        async with store_errors("report"):
            await self._redis.delete(self._pending_key(report_no) + ":claim")

    async def record_issued(
        self, event: ReportEvent, issuance: PreparedIssuance, *, finishes_pending: bool = False
    ) -> None:
        meta = replace(issuance.meta, subject_key=self.subject_key(event.authority.subject))
        writes = self.snapshots.writes(issuance.issuance.verification_code, meta, issuance.canonical)
        # Which reports hold which record (HMACs only): an objection suspends them (broker/objections/store.py).
        ttl = int((self.snapshots.validity + self.snapshots.retention).total_seconds())
        writes += record_index_writes(self._prefix, self._secret, issuance.meta.report_no, issuance.record_ids, ttl)
        if finishes_pending:  # in the same script: issued and no longer pending, or neither
            writes.append(HashWrite(self._pending_key(issuance.meta.report_no), {"status": "issued"}, PENDING_TTL_S))
        await self._append(event, writes)

    async def record_failed(self, event: ReportEvent) -> None:
        await self._append(event, ())

    async def _append(self, event: ReportEvent, writes: tuple[Write, ...] | list[Write]) -> None:
        authority = event.authority
        await self._audit.append(
            action=Action.REPORT_ISSUE,
            actor="subject" if authority.is_self else f"client:{authority.grantee_id}",
            outcome=event.outcome,
            subject=authority.subject,
            subject_key=self.subject_key(authority.subject),
            grant=authority.grant_id,
            grantee=authority.grantee_name,
            purpose=event.purpose,
            request_id=event.request_id,
            detail={"edition": event.edition.value, **event.detail},
            with_writes=writes,
        )

    async def query_history(self, subject: Subject, count: int = HISTORY) -> list[dict[str, str]]:
        """The subject's newest report requests, newest first: time, report number, who asked, for what.

        Read from the audit log's index of the subject, the one record of every query (invariant 5)."""
        entries = await self._audit.entries_for_subject(self.subject_key(subject), count=count)
        return [
            {
                "time": e.time,
                "report_no": e.detail.get("report_no", ""),
                "grant": e.grant,
                "grantee": e.grantee,
                "purpose": e.purpose,
                "edition": e.detail.get("edition", ""),
                "outcome": e.outcome,
                "request_id": e.request_id,
            }
            for e in entries
            if e.action == Action.REPORT_ISSUE
        ]
