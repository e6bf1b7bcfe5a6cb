"""Department confirmations (部门确认) in a region's answer: the financial edition's rule that each record's owning
department confirms it — or annotates it — under its electronic seal before the report is issued.

A node answering an edition with ``department_confirmation`` (and a ``confirmation_ref``, the report number the
broker reserved) states, for every record in its answer, one :class:`WireConfirmation`:

* ``pending`` — asked, due on ``due_on`` (working days after the first request), not decided yet;
* ``confirmed`` / ``annotated`` — decided by the department's staff at ``decided_at``; an annotation carries the
  department's text; both carry the department's :class:`WireSeal`;
* ``expired`` — not decided by ``due_on``: stated as such, never as confirmed.

What a seal signs (scheme ``jjj.department-seal/1``): Ed25519 over :func:`seal_statement`, the canonical JSON of the
decision — region, report reference, subject, record id and the SHA-256 of the record's canonical bytes
(:func:`record_digest`), authority, status, annotation, time. The seal's public key travels in the confirmation,
inside the region-signed answer: the region vouches that this key is that department's, and the department's
signature shows the department itself decided on exactly this record. A changed byte in a record, a decision or
a seal fails the region's part (:func:`check_confirmations`).

Electronic seals in China are SM2 under GB/T 38540; Ed25519 stands in here (the ``scheme`` names it, so an SM2
scheme can be added beside it).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SEAL_SCHEME: Literal["jjj.department-seal/1"] = "jjj.department-seal/1"
STATEMENT_SCHEMA = "jjj.department-confirmation/1"
PENDING: Literal["pending"] = "pending"
CONFIRMED: Literal["confirmed"] = "confirmed"
ANNOTATED: Literal["annotated"] = "annotated"
EXPIRED: Literal["expired"] = "expired"
DECIDED = frozenset({CONFIRMED, ANNOTATED})
Status = Literal["pending", "confirmed", "annotated", "expired"]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]

# Same options as the answer document's encoder: a record's digest is over the bytes it has inside the document.
_ENCODER = msgspec.json.Encoder(decimal_format="string", order="deterministic")


class WireSeal(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False):
    """A department's seal on one decision. Fields in name order (the document's encoding relies on it)."""

    key_id: str
    public_key: str  # base64 of the raw 32-byte Ed25519 key
    scheme: Literal["jjj.department-seal/1"]
    signature: str  # base64 of the 64-byte signature over seal_statement()


class WireConfirmation(
    msgspec.Struct, omit_defaults=True, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False
):
    """One record's confirmation state, as the region states it. Fields in name order."""

    annotation: str = ""
    authority_name: str
    authority_uscc: str = ""
    decided_at: AwareDatetime | None = None
    due_on: date
    record_id: str
    record_sha256: str
    seal: WireSeal | None = None
    status: Status


class ConfirmationInvalid(ValueError):
    """A confirmation breaks the rules above; the message names the record id, never record content."""


def record_bytes(record: Any) -> bytes:
    """A wire record's canonical bytes, as it stands inside its answer document."""
    return _ENCODER.encode(record)


def record_digest(record: Any) -> str:
    """SHA-256 (hex) of a wire record's canonical bytes."""
    return hashlib.sha256(record_bytes(record)).hexdigest()


def seal_statement(confirmation: WireConfirmation, *, region_code: str, ref: str, subject: str, edition: str) -> bytes:
    """The canonical bytes a department seals for ``confirmation`` (its seal left out)."""
    statement = {
        "annotation": confirmation.annotation,
        "authority_name": confirmation.authority_name,
        "authority_uscc": confirmation.authority_uscc,
        "decided_at": confirmation.decided_at,
        "edition": edition,
        "record_id": confirmation.record_id,
        "record_sha256": confirmation.record_sha256,
        "ref": ref,
        "region_code": region_code,
        "schema": STATEMENT_SCHEMA,
        "status": confirmation.status,
        "subject": subject,
    }
    return _ENCODER.encode(statement)


def key_fingerprint(public_key: bytes) -> str:
    """A seal key's short, stable name: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def check_confirmations(
    confirmations: tuple[WireConfirmation, ...],
    records: dict[str, Any],
    *,
    region_code: str,
    ref: str | None,
    subject: str,
    edition: str,
) -> None:
    """Every record has exactly one confirmation, about exactly its bytes; a decision has a seal that verifies and
    an annotation has its text; an undecided one has neither. ``records`` maps record id to wire record."""
    if not confirmations:
        return
    if not ref:
        raise ConfirmationInvalid("confirmations without a confirmation_ref")
    seen: set[str] = set()
    for item in confirmations:
        record = records.get(item.record_id)
        if record is None or item.record_id in seen:
            raise ConfirmationInvalid(f"confirmation {item.record_id!r}: no such record, or confirmed twice")
        seen.add(item.record_id)
        if item.record_sha256 != record_digest(record):
            raise ConfirmationInvalid(f"confirmation {item.record_id!r}: about other bytes than the record's")
        _check_decision(item, region_code=region_code, ref=ref, subject=subject, edition=edition)
    if seen != records.keys():
        raise ConfirmationInvalid("a record without a confirmation")


def _check_decision(item: WireConfirmation, *, region_code: str, ref: str, subject: str, edition: str) -> None:
    where = f"confirmation {item.record_id!r}"
    if item.status not in DECIDED:
        if item.seal is not None or item.decided_at is not None or item.annotation:
            raise ConfirmationInvalid(f"{where}: {item.status}, yet sealed or decided")
        return
    if item.seal is None or item.decided_at is None:
        raise ConfirmationInvalid(f"{where}: {item.status} without a seal and a time")
    if item.status == ANNOTATED and not item.annotation.strip():
        raise ConfirmationInvalid(f"{where}: annotated without an annotation")
    try:
        raw = base64.b64decode(item.seal.public_key, validate=True)
        signature = base64.b64decode(item.seal.signature, validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw)
        key.verify(signature, seal_statement(item, region_code=region_code, ref=ref, subject=subject, edition=edition))
    except (ValueError, InvalidSignature):
        raise ConfirmationInvalid(f"{where}: the department's seal does not verify") from None
    if item.seal.key_id != key_fingerprint(raw):
        raise ConfirmationInvalid(f"{where}: the seal's key_id is not its key's fingerprint")


def final(confirmations: tuple[WireConfirmation, ...]) -> bool:
    """Whether nothing is left to wait for: every record decided or past its due date."""
    return all(item.status != PENDING for item in confirmations)
