"""My reports: the reports a subject issued for themselves, newest first, each with its code sealed under the
owner key (:mod:`broker.account.vault`).

``{prefix}myreports:{subject ref}`` is a Redis list of JSON entries: report number, issue time, edition, purpose,
whether complete, the owner key's id and the sealed code. Nothing in it is record content (invariant 2), and the
code in it opens nothing without the owner key. The list keeps the newest :data:`KEEP` entries and lives as long
as the reports' metadata does.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import timedelta

from broker.account.vault import OwnerKey
from consent.errors import store_errors
from consent.redis_writes import RedisClient

KEEP = 100


@dataclass(frozen=True, slots=True)
class ReportEntry:
    report_no: str
    issued_at: str  # ISO 8601
    edition: str
    purpose: str
    complete: bool
    key_id: str
    sealed_code: str  # base64 of nonce || AES-GCM(code)

    def code(self, key: OwnerKey | None, ref: str) -> str | None:
        """The verification code, when ``key`` is the owner key it was sealed under."""
        if key is None or key.key_id != self.key_id:
            return None
        plain = key.unseal(base64.b64decode(self.sealed_code), _label(ref, self.report_no))
        return None if plain is None else plain.decode()


def _label(ref: str, report_no: str) -> str:
    # Binds a sealed code to its subject and report: an entry copied to another list or number does not open.
    return f"jjj.my-report/1:{ref}:{report_no}"


class ReportList:
    def __init__(self, redis: RedisClient, prefix: str, keep_for: timedelta) -> None:
        self._redis = redis
        self._prefix = prefix
        self._keep_for = int(keep_for.total_seconds())

    def _key(self, ref: str) -> str:
        return f"{self._prefix}myreports:{ref}"

    async def add(
        self, ref: str, key: OwnerKey, *, report_no: str, code: str, issued_at: str, edition: str, purpose: str,
        complete: bool,
    ) -> None:  # fmt: skip
        sealed = base64.b64encode(key.seal(code.encode(), _label(ref, report_no))).decode()
        entry = ReportEntry(report_no, issued_at, edition, purpose, complete, key.key_id, sealed)
        async with store_errors("my reports"), self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self._key(ref), json.dumps(asdict(entry)))
            pipe.ltrim(self._key(ref), 0, KEEP - 1)
            pipe.expire(self._key(ref), self._keep_for)
            await pipe.execute()

    async def entries(self, ref: str) -> list[ReportEntry]:
        async with store_errors("my reports"):
            raw = await self._redis.lrange(self._key(ref), 0, KEEP - 1)
        return [ReportEntry(**json.loads(item)) for item in raw]

    async def find(self, ref: str, report_no: str) -> ReportEntry | None:
        return next((e for e in await self.entries(ref) if e.report_no == report_no), None)
