"""Issued reports at rest: ciphertext under a key only the verification code opens, and metadata in clear.

Invariant 2 (no raw data at rest): the broker keeps, per report (every key in the audit chain's slot, ``{chain}``
being the hash tag: the snapshot is written by the script that appends the report's audit entry,
:mod:`broker.audit.writes`),

``{prefix}{chain}:report:meta:{lookup_id}`` (hash, in clear)
    report number, digest, edition, masked subject, issue and expiry times, complete flag, status
    (valid / revoked / suspended), the signing kid, the detached JWS (header and signature, no payload) and,
    once rendered, the PDF's digest. Kept for the validity **plus** a retention period, so that an expired
    code answers "expired" rather than "unknown".
``{prefix}{chain}:report:data:{lookup_id}`` (hash, encrypted)
    ``salt`` and the AES-256-GCM ciphertexts of the canonical JSON (compressed first, ``json_encoding: zstd``)
    and, once rendered, the signed PDF. Its TTL is the report's validity; after that the content is gone.
``{prefix}{chain}:report:no:{report_no}`` (string)
    the lookup id, so that an objection can suspend or revoke a report by its number.

``lookup_id`` is a hash of the code (:func:`merge.verification_code.lookup_id`); how content is sealed under the
code is :mod:`broker.reports.sealing`.

Trade-off: Dongguan keeps its reports ten years; here the content lives ``report_validity_days`` (30 by default)
and only the digest and metadata outlive it. A holder of an expired report can still prove it was issued (the
digest matches), but cannot download it again. Writes are acknowledged by replicas
(:class:`~consent.redis_writes.ReplicaAck`) before they count as done.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum

from redis.typing import EncodableT, FieldT

from broker.audit.writes import STORE_WRITES_LUA, HashWrite, StringWrite, Write, chain_key, encode
from broker.reports.sealing import ENCODING_FIELD, ZSTD, as_bytes, seal, seal_json, unseal, unseal_json
from consent.errors import ConsentStoreUnavailable, store_errors
from consent.redis_writes import RedisClient, ReplicaAck
from merge.verification_code import lookup_id

# Store the PDF only if none is stored yet and the content is still there; set its digest with it.
_STORE_PDF_ONCE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[1], 'pdf', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'pdf_digest', ARGV[2])
return 1
"""
# Change a status only on metadata that still exists (HSET on an expired key would create one without a TTL);
# revoking also deletes the content: nothing a revoked report held needs keeping.
_SET_STATUS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'status_reason', ARGV[2])
if ARGV[1] == 'revoked' then redis.call('DEL', KEYS[2]) end
return 1
"""


class ReportStatus(StrEnum):
    """What the broker records about an issued report."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"  # an objection is open


@dataclass(frozen=True, slots=True)
class SnapshotMeta:
    """The clear part of an issued report. Nothing here is record content."""

    report_no: str
    digest: str
    edition: str
    subject: str  # masked
    issued_at: str  # ISO 8601
    expires_at: str  # ISO 8601
    complete: bool
    status: ReportStatus
    kid: str
    jws_protected: str
    jws_signature: str
    pdf_digest: str | None = None
    #: Why the status is what it is (an objection open, upheld …): shown on the verify page; no record content.
    status_reason: str | None = None
    #: The subject's HMAC (:func:`consent.accounts.subject_ref`): every lookup by code goes to its "who queried me".
    subject_key: str | None = None

    def to_redis(self) -> dict[FieldT, EncodableT]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["complete"] = "1" if self.complete else "0"
        return {k: str(v) for k, v in values.items() if v is not None}  # an unrendered PDF: no field

    @classmethod
    def from_redis(cls, raw: Mapping[bytes | str, bytes | str]) -> SnapshotMeta:
        values = {as_bytes(k).decode(): as_bytes(v).decode() for k, v in raw.items()}
        return cls(
            **{f.name: values.get(f.name) for f in fields(cls) if f.name not in {"complete", "status"}},  # type: ignore[arg-type]
            complete=values["complete"] == "1",
            status=ReportStatus(values["status"]),
        )

    @property
    def expires(self) -> datetime:
        return datetime.fromisoformat(self.expires_at)


class VerifyStatus(StrEnum):
    """The answer to "is this code's report genuine and current?"."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Verification:
    status: VerifyStatus
    meta: SnapshotMeta | None

    @property
    def certificate_usable(self) -> bool:
        """Only a valid, complete report stands in for a certificate (invariant 1)."""
        return self.status is VerifyStatus.VALID and self.meta is not None and self.meta.complete


class SnapshotStore:
    """Reads and writes issued reports; every Redis error becomes a 503 (fail closed)."""

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        *,
        validity: timedelta,
        retention: timedelta,
        acks: ReplicaAck | None = None,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self.validity = validity
        self.retention = retention
        self._acks = acks or ReplicaAck()

    def _meta_key(self, lid: str) -> str:
        return chain_key(self._prefix, f"report:meta:{lid}")

    def _data_key(self, lid: str) -> str:
        return chain_key(self._prefix, f"report:data:{lid}")

    def _number_key(self, report_no: str) -> str:
        return chain_key(self._prefix, f"report:no:{report_no}")

    async def save(self, code: str, meta: SnapshotMeta, canonical: bytes) -> None:
        """Store metadata, ciphertext and number index in one script: all of it or nothing."""
        keys, args = encode(self.writes(code, meta, canonical))
        async with store_errors("issuing the report"):
            wrong = await self._acks.eval(self._redis, STORE_WRITES_LUA, keys, args)
        if wrong != 1:
            raise ConsentStoreUnavailable(f"issuing the report: {as_bytes(wrong).decode()} holds another type")

    def writes(self, code: str, meta: SnapshotMeta, canonical: bytes) -> list[Write]:
        """Encrypt now; the writes that store the snapshot, to apply in one transaction (all or nothing).

        The report store sends them with the audit entry in one round trip. The ciphertext is held by the
        writes until they are applied (or dropped) and by nothing else.
        """
        lid = lookup_id(code)
        salt = os.urandom(16)
        blob = seal_json(code, salt, lid, canonical)
        content_ttl = int(self.validity.total_seconds())
        meta_ttl = int((self.validity + self.retention).total_seconds())
        return [
            HashWrite(self._meta_key(lid), meta.to_redis(), meta_ttl),
            HashWrite(self._data_key(lid), {"salt": salt, "json": blob, ENCODING_FIELD: ZSTD}, content_ttl),
            StringWrite(self._number_key(meta.report_no), lid, meta_ttl),
        ]

    async def meta(self, code: str) -> SnapshotMeta | None:
        async with store_errors("verification"):
            raw = await self._redis.hgetall(self._meta_key(lookup_id(code)))
        return SnapshotMeta.from_redis(raw) if raw else None

    async def verify(self, code: str, now: datetime) -> Verification:
        """The status of a well-formed code: revoked and suspended first, then expired, else valid."""
        lid = lookup_id(code)
        async with store_errors("verification"), self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(self._meta_key(lid))
            pipe.exists(self._data_key(lid))
            raw, has_content = await pipe.execute()
        if not raw:
            return Verification(VerifyStatus.UNKNOWN, None)
        meta = SnapshotMeta.from_redis(raw)
        if meta.status is not ReportStatus.VALID:
            return Verification(VerifyStatus(meta.status.value), meta)
        if not has_content or now >= meta.expires:
            return Verification(VerifyStatus.EXPIRED, meta)
        return Verification(VerifyStatus.VALID, meta)

    async def _open(self, code: str, field: str) -> bytes | None:
        lid = lookup_id(code)
        async with store_errors("download"):
            salt, blob, encoding = await self._redis.hmget(self._data_key(lid), ["salt", field, ENCODING_FIELD])
        if salt is None or blob is None:
            return None
        if field != "json":
            return unseal(code, as_bytes(salt), f"{lid}:{field}", as_bytes(blob))
        return unseal_json(code, as_bytes(salt), lid, as_bytes(blob), None if encoding is None else as_bytes(encoding))

    async def open_json(self, code: str) -> bytes | None:
        """The canonical JSON, or None when the content has expired (or was revoked)."""
        return await self._open(code, "json")

    async def open_pdf(self, code: str) -> bytes | None:
        """The signed PDF, or None when none was rendered yet or the content is gone."""
        return await self._open(code, "pdf")

    async def store_pdf_once(self, code: str, pdf: bytes, pdf_digest: str) -> bytes | None:
        """Keep the first PDF rendered for a report; returns the one kept (this or a concurrent one).

        None when the content expired meanwhile. Later downloads are byte-identical to the first.
        """
        lid = lookup_id(code)
        async with store_errors("download"):
            salt = await self._redis.hget(self._data_key(lid), "salt")
            if salt is None:
                return None
            blob = seal(code, as_bytes(salt), f"{lid}:pdf", pdf)
            keys = [self._data_key(lid), self._meta_key(lid)]
            stored = await self._acks.eval(self._redis, _STORE_PDF_ONCE, keys, [blob, pdf_digest])
        if int(stored) == 1:
            return pdf
        return await self.open_pdf(code)

    async def set_status(self, report_no: str, status: ReportStatus, reason: str = "") -> bool:
        """Suspend (objection open), reinstate (valid) or revoke a report by its number; False if unknown.

        Revoking deletes the encrypted content at once; the metadata stays to answer "revoked".
        """
        async with store_errors("status change"):
            lid = await self._redis.get(self._number_key(report_no))
            if lid is None:
                return False
            keys = [self._meta_key(as_bytes(lid).decode()), self._data_key(as_bytes(lid).decode())]
            changed = await self._acks.eval(self._redis, _SET_STATUS, keys, [status.value, reason])
        return bool(changed)
