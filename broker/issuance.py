"""What happens to a report once merged: a verification code, a JWS, and an encrypted snapshot.

Every report is issued this way, complete or not: an incomplete one is verifiable as what it is (the verify
answer says ``complete: false`` and ``certificate_usable: false``). The code is returned to the requester once
and never stored; whoever holds it can verify the report and download its originals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import quote

from redis.asyncio.client import Pipeline

from broker.keys import KeyRing
from broker.signing import DetachedJws, sign_detached
from broker.snapshots import ReportStatus, SnapshotMeta, SnapshotStore
from merge.identifiers import SubjectKind, mask_resident_id
from merge.report import Report
from merge.verification_code import new_code


@dataclass(frozen=True, slots=True)
class Issuance:
    """What the requester gets besides the report: the code, where to verify it, and the signature.

    The signature is kept detached (header and signature only): the compact token of a large report is as big
    as its base64 and is rebuilt only when asked for (:meth:`compact_jws`, ``GET /v1/reports/{no}/jws``).
    """

    verification_code: str
    verify_url: str
    jws_url: str
    kid: str
    jws_detached: DetachedJws

    def compact_jws(self, canonical: bytes) -> str:
        """The report's compact JWS, from the canonical JSON it was issued with."""
        return self.jws_detached.attach(canonical)


class PdfMaker(Protocol):
    """Renders a report as a signed PDF (the PDF engineer's ``PdfRenderer.render`` + ``sign_pdf``).

    Called on a report's first PDF download; the result is stored encrypted, so later downloads are the same
    bytes. Must not block the event loop.
    """

    async def __call__(
        self, report: Report, *, verification_code: str, verify_url: str, canonical_json: bytes
    ) -> bytes: ...


def verify_url(public_base_url: str, code: str) -> str:
    """The page the QR code points to."""
    return f"{public_base_url.rstrip('/')}/verify?code={quote(code)}"


def jws_path(report_no: str, code: str) -> str:
    return f"/v1/reports/{quote(report_no)}/jws?code={quote(code)}"


def issuance_headers(issuance: Issuance) -> dict[str, str]:
    """Headers of ``POST /v1/reports``: the body stays the canonical JSON, so the digest header still matches.

    The code is shown to the requester this once; the ``Link`` (RFC 8288) leads to the report's JWS.
    """
    return {
        "X-Verification-Code": issuance.verification_code,
        "X-Verify-URL": issuance.verify_url,
        "X-Report-JWS-Kid": issuance.kid,
        "Link": f'<{issuance.jws_url}>; rel="alternate"; type="application/jose"',
    }


def masked_subject(report: Report) -> str:
    identifier = report.subject.identifier
    # The report already masks a person's ID; masking again is idempotent and guards the store (invariant 5).
    if report.subject.kind is SubjectKind.PERSON and "*" not in identifier:
        return mask_resident_id(identifier)
    return identifier


class Issuer:
    """Issues merged reports: code, JWS by the active key, and one atomic write of metadata and ciphertext."""

    def __init__(self, ring: KeyRing, snapshots: SnapshotStore, *, public_base_url: str) -> None:
        self.ring = ring
        self.snapshots = snapshots
        self._base = public_base_url

    @property
    def validity(self) -> timedelta:
        return self.snapshots.validity

    async def issue(self, report: Report, canonical: bytes, digest: str) -> Issuance:
        """Sign, encrypt and store the report (one MULTI/EXEC); returns what the requester gets."""
        prepared = self.prepare(report, canonical, digest)
        await self.snapshots.save(prepared.issuance.verification_code, prepared.meta, canonical)
        return prepared.issuance

    def prepare(self, report: Report, canonical: bytes, digest: str) -> PreparedIssuance:
        """Code and detached JWS now; the snapshot is written by :meth:`PreparedIssuance.queue` on a pipeline
        the caller executes (the report service sends it with the query log and the audit entry)."""
        code = new_code()
        detached = sign_detached(canonical, self.ring)
        meta = SnapshotMeta(
            report_no=report.report_no,
            digest=digest,
            edition=report.edition.value,
            subject=masked_subject(report),
            issued_at=report.issued_at.isoformat(),
            expires_at=(report.issued_at + self.validity).isoformat(),
            complete=report.complete,
            status=ReportStatus.VALID,
            kid=self.ring.active_kid,
            jws_protected=detached.protected,
            jws_signature=detached.signature,
        )
        issuance = Issuance(
            verification_code=code,
            verify_url=verify_url(self._base, code),
            jws_url=jws_path(report.report_no, code),
            kid=self.ring.active_kid,
            jws_detached=detached,
        )
        return PreparedIssuance(self.snapshots, issuance, meta, canonical)


@dataclass(frozen=True, slots=True)
class PreparedIssuance:
    """An issuance signed but not yet stored: the report is issued once :meth:`queue`'s writes are executed."""

    snapshots: SnapshotStore
    issuance: Issuance
    meta: SnapshotMeta
    canonical: bytes

    def queue(self, pipe: Pipeline) -> None:
        """Encrypt the canonical JSON and queue the snapshot's writes (``pipe`` must be a MULTI/EXEC pipeline)."""
        self.snapshots.queue_save(pipe, self.issuance.verification_code, self.meta, self.canonical)
