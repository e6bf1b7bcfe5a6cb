"""Issued reports at rest: ciphertext under a key only the verification code opens, and metadata in clear.

Invariant 2 (no raw data at rest): the broker keeps, per report,

``{prefix}report:meta:{lookup_id}`` (hash, in clear)
    report number, digest, edition, masked subject, issue and expiry times, complete flag, status
    (valid / revoked / suspended), the signing kid, the detached JWS (header and signature, no payload) and,
    once rendered, the PDF's digest. Kept for the validity **plus** a retention period, so that an expired
    code answers "expired" rather than "unknown".
``{prefix}report:data:{lookup_id}`` (hash, encrypted)
    ``salt`` and the AES-256-GCM ciphertexts of the canonical JSON (deflated first, ``json_encoding: deflate``)
    and, once rendered, the signed PDF. Its TTL is the report's validity; after that the content is gone.
``{prefix}report:no:{report_no}`` (string)
    the lookup id, so that an objection can suspend or revoke a report by its number.

``lookup_id`` is a hash of the code (:func:`merge.verification_code.lookup_id`); the encryption key is
HKDF-SHA256(code, per-report random salt) — a separate derivation, so the stored lookup id says nothing about
the key. The code carries 80 random bits, so a slow KDF (scrypt) would add nothing against brute force.
Each ciphertext's associated data binds it to its lookup id and field, so blobs cannot be swapped.

Trade-off: Dongguan keeps its reports ten years; here the content lives ``report_validity_days`` (30 by default)
and only the digest and metadata outlive it. A holder of an expired report can still prove it was issued (the
digest matches), but cannot download it again.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum

import redis.asyncio as aioredis
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.asyncio.client import Pipeline
from redis.typing import EncodableT, FieldT

from broker.redis_store import store_errors
from merge.verification_code import lookup_id, normalise

_KDF_INFO = b"jjj.report-snapshot/1 aes-256-gcm"
_NONCE_BYTES = 12
# The canonical JSON is deflated before it is encrypted: a 10,000-record report is ~11 MB of very repetitive
# JSON, so its ciphertext (and the copies redis-py and the socket make of it) shrinks about tenfold. The
# encoding is named in the data hash and bound into the associated data, so it cannot be swapped either;
# snapshots stored without it are read as before.
_ENCODING_FIELD = "json_encoding"
_DEFLATE = "deflate"
_DEFLATED = "+deflate"
_DEFLATE_LEVEL = 1  # fastest: the gain is in the size of repetitive JSON, not the last few percent
_TAG_BYTES = 16

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
redis.call('HSET', KEYS[1], 'status', ARGV[1])
if ARGV[1] == 'revoked' then redis.call('DEL', KEYS[2]) end
return 1
"""


class ReportStatus(StrEnum):
    """What the broker records about an issued report."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"  # an objection is open


def _bytes(value: bytes | str) -> bytes:
    # The client is opened with decode_responses=False; redis-py's types allow str as well.
    return value if isinstance(value, bytes) else value.encode()


def _key(code: str, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_KDF_INFO).derive(normalise(code).encode())


def seal(code: str, salt: bytes, label: str, plaintext: bytes) -> bytearray:
    """``nonce || AES-256-GCM(plaintext)`` under the code's key; ``label`` is the associated data.

    Encrypted straight into one buffer of the final size: a large report costs one ciphertext, not two.
    """
    nonce = os.urandom(_NONCE_BYTES)
    blob = bytearray(_NONCE_BYTES + len(plaintext) + _TAG_BYTES)
    blob[:_NONCE_BYTES] = nonce
    with memoryview(blob) as view:
        AESGCM(_key(code, salt)).encrypt_into(nonce, plaintext, label.encode(), view[_NONCE_BYTES:])
    return blob


def unseal(code: str, salt: bytes, label: str, blob: bytes | bytearray) -> bytes:
    """Inverse of :func:`seal`; raises ``cryptography.exceptions.InvalidTag`` for any other code or label."""
    with memoryview(blob) as view:  # slices of a view: the ciphertext is not copied before decryption
        return AESGCM(_key(code, salt)).decrypt(view[:_NONCE_BYTES], view[_NONCE_BYTES:], label.encode())


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

    def to_redis(self) -> dict[FieldT, EncodableT]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["complete"] = "1" if self.complete else "0"
        return {k: str(v) for k, v in values.items() if v is not None}  # an unrendered PDF: no field

    @classmethod
    def from_redis(cls, raw: Mapping[bytes | str, bytes | str]) -> SnapshotMeta:
        values = {_bytes(k).decode(): _bytes(v).decode() for k, v in raw.items()}
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

    def __init__(self, redis: aioredis.Redis, prefix: str, *, validity: timedelta, retention: timedelta) -> None:
        self._redis = redis
        self._prefix = prefix
        self.validity = validity
        self.retention = retention
        self._store_pdf_once = redis.register_script(_STORE_PDF_ONCE)
        self._set_status = redis.register_script(_SET_STATUS)

    def _meta_key(self, lid: str) -> str:
        return f"{self._prefix}report:meta:{lid}"

    def _data_key(self, lid: str) -> str:
        return f"{self._prefix}report:data:{lid}"

    def _number_key(self, report_no: str) -> str:
        return f"{self._prefix}report:no:{report_no}"

    async def save(self, code: str, meta: SnapshotMeta, canonical: bytes) -> None:
        """Store metadata, ciphertext and number index in one MULTI/EXEC: all of it or nothing."""
        async with store_errors("issuing the report"), self._redis.pipeline(transaction=True) as pipe:
            self.queue_save(pipe, code, meta, canonical)
            await pipe.execute()

    def queue_save(self, pipe: Pipeline, code: str, meta: SnapshotMeta, canonical: bytes) -> None:
        """Encrypt now and queue :meth:`save`'s writes on ``pipe``; give it ``transaction=True`` (all or nothing).

        Lets the issuer send the snapshot in the same round trip as the query log and the audit entry. The
        ciphertext is held by the pipeline until it is executed (or discarded) and by nothing else.
        """
        lid = lookup_id(code)
        salt = os.urandom(16)
        packed = zlib.compress(canonical, _DEFLATE_LEVEL)
        blob = seal(code, salt, f"{lid}:json{_DEFLATED}", packed)
        del packed
        content_ttl = int(self.validity.total_seconds())
        meta_ttl = int((self.validity + self.retention).total_seconds())
        pipe.hset(self._meta_key(lid), mapping=meta.to_redis())
        pipe.expire(self._meta_key(lid), meta_ttl)
        pipe.hset(self._data_key(lid), mapping={"salt": salt, "json": blob, _ENCODING_FIELD: _DEFLATE})
        pipe.expire(self._data_key(lid), content_ttl)
        pipe.set(self._number_key(meta.report_no), lid, ex=meta_ttl)

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
            salt, blob, encoding = await self._redis.hmget(self._data_key(lid), ["salt", field, _ENCODING_FIELD])
        if salt is None or blob is None:
            return None
        if field != "json" or encoding is None:  # a PDF, or a JSON snapshot stored before compression
            return unseal(code, _bytes(salt), f"{lid}:{field}", _bytes(blob))
        if _bytes(encoding) != _DEFLATE.encode():
            raise ValueError(f"snapshot {lid}: unknown json encoding")
        return zlib.decompress(unseal(code, _bytes(salt), f"{lid}:json{_DEFLATED}", _bytes(blob)))

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
            blob = seal(code, _bytes(salt), f"{lid}:pdf", pdf)
            stored = await self._store_pdf_once(
                keys=[self._data_key(lid), self._meta_key(lid)], args=[blob, pdf_digest]
            )
        if int(stored) == 1:
            return pdf
        return await self.open_pdf(code)

    async def set_status(self, report_no: str, status: ReportStatus) -> bool:
        """Suspend (objection open), reinstate (valid) or revoke a report by its number; False if unknown.

        Revoking deletes the encrypted content at once; the metadata stays to answer "revoked".
        """
        async with store_errors("status change"):
            lid = await self._redis.get(self._number_key(report_no))
            if lid is None:
                return False
            keys = [self._meta_key(_bytes(lid).decode()), self._data_key(_bytes(lid).decode())]
            changed = await self._set_status(keys=keys, args=[status.value])
        return bool(changed)
