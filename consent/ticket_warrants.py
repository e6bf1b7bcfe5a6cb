"""Ticket warrants: the broker's signed word that a subject files (or asks about) an objection or a repair request.

Same form as query warrants (:mod:`consent.warrants`: compact JWS, EdDSA, ``kid``, ≤ 60 s) with its own type
``jjj-ticket+jwt`` — a query warrant can never pass for a ticket warrant nor the reverse (RFC 8725 §3.11). Claims::

    iss  the broker     aud      the region's code     sub / sub_kind  the subject
    purpose  "objection" | "repair" | "status"         record          the record id ("" for "status")
    body     SHA-256 hex of the request's content (:func:`ticket_body_digest`): a warrant cannot carry another
             field, value, reason or attachment than the broker signed for
    jti / iat / exp

Replay (``jti`` seen before) is the node's job, as for query warrants (:mod:`adapters.ticket_warrant_check`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.jwk import KeySet, OKPKey

from consent.eddsa import ALGORITHM, eddsa_registry
from consent.warrants import (
    DEFAULT_LEEWAY_S,
    MAX_LIFETIME_S,
    WarrantInvalid,
    check_binding,
    signed_claims,
)
from consent.warrants import new_jti as new_jti
from merge.identifiers import Subject, SubjectKind

TICKET_WARRANT_TYPE = "jjj-ticket+jwt"
PURPOSES = frozenset({"objection", "repair", "status"})


@dataclass(frozen=True, slots=True)
class TicketWarrant:
    issuer: str
    region_code: str
    subject: Subject
    purpose: str
    record_id: str
    body: str
    jti: str
    issued_at: datetime
    expires_at: datetime


def ticket_body_digest(
    *, kind: str, field: str, current_value: str, proposed_value: str, reason: str, attachments: Sequence[bytes]
) -> str:
    """SHA-256 (hex) of a ticket's content as canonical JSON; attachments by their own SHA-256."""
    body = {
        "attachments": [hashlib.sha256(a).hexdigest() for a in attachments],
        "current_value": current_value,
        "field": field,
        "kind": kind,
        "proposed_value": proposed_value,
        "reason": reason,
    }
    return hashlib.sha256(
        json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def issue_ticket_warrant(
    key: OKPKey,
    *,
    issuer: str,
    region_code: str,
    subject: Subject,
    purpose: str,
    record_id: str,
    body: str,
    now: datetime,
    lifetime_s: int = 30,
) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose: one of {', '.join(sorted(PURPOSES))}")
    if not 1 <= lifetime_s <= MAX_LIFETIME_S:
        raise ValueError(f"lifetime_s: must be between 1 and {MAX_LIFETIME_S}")
    iat = int(now.timestamp())
    claims = {
        "iss": issuer, "aud": region_code, "sub": subject.identifier, "sub_kind": subject.kind.value,
        "purpose": purpose, "record": record_id, "body": body, "jti": new_jti(), "iat": iat, "exp": iat + lifetime_s,
    }  # fmt: skip
    header = {"typ": TICKET_WARRANT_TYPE, "alg": ALGORITHM, "kid": key.kid}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, key, registry=eddsa_registry())


def _claim(claims: dict[str, Any], name: str, kind: type) -> Any:
    value = claims.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise WarrantInvalid(f"claim {name} missing or malformed")
    return value


def verify_ticket_warrant(
    token: str | bytes,
    keys: KeySet,
    *,
    audience: str,
    now: datetime,
    issuers: Collection[str],
    leeway_s: int = DEFAULT_LEEWAY_S,
) -> TicketWarrant:
    """Signature, type, audience, issuer, lifetime, expiry; :class:`WarrantInvalid` (a short reason) otherwise."""
    claims = signed_claims(token, keys, typ=TICKET_WARRANT_TYPE, kind="ticket warrant", issuers=issuers)
    try:
        kind = SubjectKind(_claim(claims, "sub_kind", str))
    except ValueError:
        raise WarrantInvalid("claim sub_kind malformed") from None
    purpose = _claim(claims, "purpose", str)
    if purpose not in PURPOSES:
        raise WarrantInvalid("claim purpose malformed")
    warrant = TicketWarrant(
        issuer=_claim(claims, "iss", str),
        region_code=_claim(claims, "aud", str),
        subject=Subject(kind, _claim(claims, "sub", str)),
        purpose=purpose,
        record_id=_claim(claims, "record", str),
        body=_claim(claims, "body", str),
        jti=_claim(claims, "jti", str),
        issued_at=datetime.fromtimestamp(_claim(claims, "iat", int), UTC),
        expires_at=datetime.fromtimestamp(_claim(claims, "exp", int), UTC),
    )
    check_binding(
        region_code=warrant.region_code, issuer=warrant.issuer, issued_at=warrant.issued_at,
        expires_at=warrant.expires_at, audience=audience, issuers=issuers, now=now, leeway_s=leeway_s,
    )  # fmt: skip
    return warrant
