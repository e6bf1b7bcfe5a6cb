"""What happens to a report once merged: a verification code, a JWS, and an encrypted snapshot.

Every report is issued this way, complete or not: an incomplete one is verifiable as what it is (the verify
answer says ``complete: false`` and ``certificate_usable: false``). The code is returned to the requester once
and never stored; whoever holds it can verify the report and download its originals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from broker.keys import KeyRing
from broker.reports.signing import DetachedJws, sign_detached
from broker.reports.snapshots import ReportStatus, SnapshotMeta
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
    """Issues merged reports: a fresh code and a detached JWS by the active key; the store writes the rest."""

    def __init__(self, ring: KeyRing, *, validity: timedelta, public_base_url: str) -> None:
        self.ring = ring
        self.validity = validity
        self._base = public_base_url

    def prepare(self, report: Report, canonical: bytes, digest: str) -> PreparedIssuance:
        """Code and detached JWS now (no I/O); :meth:`ReportStore.record_issued` stores the snapshot."""
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
        # The records' ids (hashes of natural keys, not content), for the objection index (broker/objections).
        record_ids = tuple(report.records.columns()[2]) if len(report.records) else ()
        return PreparedIssuance(issuance, meta, canonical, record_ids)


@dataclass(frozen=True, slots=True)
class PreparedIssuance:
    """An issuance signed but not yet stored: the report is issued once the store has written its snapshot."""

    issuance: Issuance
    meta: SnapshotMeta
    canonical: bytes
    record_ids: tuple[str, ...] = ()
