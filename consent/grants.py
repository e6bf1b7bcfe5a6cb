"""Consent grants (授权), after the India Account Aggregator consent artefact.

A grant's *artefact* — who consents, to whom, for what, over which data, for how long, how many times — never
changes once made: a change is a new grant (``replaces`` names the old one). The broker signs the artefact's
canonical JSON (JWS, EdDSA, the key ring's active key). What does change is the grant's *state*: its stored
status (active, paused, revoked), its use count and when it last changed; ``expired`` and ``exhausted`` are
derived from the artefact and the count.

The artefact carries no identifier in clear: ``subject_ref`` is the subject's HMAC and ``subject_masked`` its
masked form (a resident ID shows only its first 6 and last 4 characters).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import orjson
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from consent.eddsa import eddsa_registry
from consent.errors import GrantMismatch
from merge.editions import Edition, validate_purpose, validate_window_years
from merge.identifiers import SubjectKind
from merge.regions import REGION_ORDER, Region

#: Longest validity a subject can give in one grant.
MAX_VALIDITY = timedelta(days=366)
MAX_USES = 100
GRANT_JWS_TYPE = "jjj-grant+jws"


class GrantStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    REVOKED = "revoked"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"


STATUS_NAMES = {
    GrantStatus.ACTIVE: "有效",
    GrantStatus.PAUSED: "已暂停",
    GrantStatus.REVOKED: "已撤回",
    GrantStatus.EXPIRED: "已过期",
    GrantStatus.EXHAUSTED: "次数已用完",
}


class GrantArtefact(BaseModel):
    """The immutable, signed part of a grant. Validation errors name the field at fault."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    subject_ref: str
    subject_kind: SubjectKind
    subject_masked: str
    grantee_id: str
    grantee_name: str
    purpose_code: str
    purpose_text: str
    editions: tuple[Edition, ...] = Field(min_length=1)
    regions: tuple[str, ...] = Field(min_length=1)
    window_years: int
    valid_from: datetime
    valid_until: datetime
    max_uses: int = Field(ge=1, le=MAX_USES)
    #: PIPL art. 29: a natural person's separate, explicit consent to processing the resident ID number.
    resident_id_consent: bool
    created_at: datetime
    replaces: str | None = None

    @field_validator("purpose_code")
    @classmethod
    def _purpose(cls, value: str) -> str:
        return validate_purpose(value)

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(Region.parse(v).code for v in value)

    @field_validator("window_years")
    @classmethod
    def _window(cls, value: int) -> int:
        return validate_window_years(value)

    @model_validator(mode="after")
    def _consistent(self) -> GrantArtefact:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until: must be after valid_from")
        if self.valid_until - self.valid_from > MAX_VALIDITY:
            raise ValueError(f"valid_until: a grant lasts at most {MAX_VALIDITY.days} days")
        if self.subject_kind is SubjectKind.PERSON and not self.resident_id_consent:
            raise ValueError("resident_id_consent: a person must consent separately to the use of the resident ID")
        return self

    def canonical(self) -> bytes:
        """Sorted keys, no whitespace, UTF-8: the bytes the broker signs."""
        return orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)

    def sign(self, key: OKPKey) -> str:
        """Compact JWS (EdDSA) over :meth:`canonical`, with the key's ``kid``."""
        header = {"alg": "EdDSA", "typ": GRANT_JWS_TYPE, "kid": key.kid}
        return jws.serialize_compact(header, self.canonical(), key, registry=eddsa_registry())


def new_grant_id() -> str:
    return "g_" + secrets.token_urlsafe(16)


def verify_grant_signature(token: str, artefact: GrantArtefact, keys: KeySet | OKPKey) -> bool:
    """True when ``token`` is a valid JWS over exactly this artefact's canonical bytes."""
    try:
        obj = jws.deserialize_compact(token, keys, registry=eddsa_registry())
    except Exception:  # joserfc raises several error types; any failure means "not verified"
        return False
    return obj.payload == artefact.canonical() and obj.headers().get("typ") == GRANT_JWS_TYPE


def effective_status(artefact: GrantArtefact, stored: GrantStatus, uses: int, now: datetime) -> GrantStatus:
    """Stored status wins when not active; otherwise expired (past ``valid_until``) or exhausted (uses spent)."""
    if stored is not GrantStatus.ACTIVE:
        return stored
    if now >= artefact.valid_until:
        return GrantStatus.EXPIRED
    if uses >= artefact.max_uses:
        return GrantStatus.EXHAUSTED
    return GrantStatus.ACTIVE


def check_covers(artefact: GrantArtefact, *, subject_ref: str, edition: Edition, window_years: int) -> None:
    """Raise :class:`GrantMismatch` unless the grant covers this subject, edition, window and all regions.

    A report always asks every region (REGION_ORDER), so a grant must name them all.
    """
    if subject_ref != artefact.subject_ref:
        raise GrantMismatch("subject: the grant was given by another subject", field="subject")
    if edition not in artefact.editions:
        raise GrantMismatch(
            f"edition: the grant covers {', '.join(e.value for e in artefact.editions)}", field="edition"
        )
    if window_years > artefact.window_years:
        raise GrantMismatch(
            f"window_years: the grant covers at most {artefact.window_years} years", field="window_years"
        )
    missing = [r.code for r in REGION_ORDER if r.code not in artefact.regions]
    if missing:
        raise GrantMismatch(f"regions: the grant does not cover {', '.join(missing)}", field="regions")
