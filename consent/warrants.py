"""Query warrants: the short-lived JWT the broker signs for one regional call and the node checks (invariant 3).

A warrant is a compact JWS (RFC 7515/7519), ``alg`` EdDSA over Ed25519 (RFC 8037), header
``typ: "jjj-warrant+jwt"`` (RFC 8725 §3.11: explicit typing, so no other broker-signed JWT — an access token,
a signed report — can pass for a warrant) and ``kid``. Claims::

    iss      the broker                      aud      the region's division code ("120000")
    sub      the subject identifier          sub_kind "enterprise" | "person"
    grant    consent grant id ("self" …)     grantee  the third party's client id (or the subject)
    purpose  purpose code                    edition  edition code
    window   {"from": ISO date, "to": ISO date}
    jti      unique id (replay)              iat/exp  NumericDate; exp - iat ≤ 60 s

Contracts:

* :func:`issue_warrant` and :func:`verify_warrant` are pure apart from the ``now`` they are given.
* :func:`issue_warrant` signs Ed25519 directly (:mod:`merge.ed25519`) (three warrants per report: joserfc's
  registry checks and copies cost more than the signature). Its bytes are exactly those of joserfc's
  ``jwt.encode`` with the same header and claims; verification stays with joserfc (:mod:`consent.eddsa`).
* :func:`verify_warrant` raises :class:`WarrantInvalid` whose message is a short reason fit to send to the
  caller and to log: it never contains the subject identifier.
* Replay (``jti`` seen before) is the node's job: it needs storage (``adapters.warrant_check``).

This module imports nothing from ``broker``: nodes import it to verify.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, OKPKey

from consent.eddsa import ALGORITHM, eddsa_registry
from merge.ed25519 import signer_for
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind

WARRANT_TYPE = "jjj-warrant+jwt"
#: The longest a warrant may live (issue 3: ≤ 60 s); a longer one is refused even when correctly signed.
MAX_LIFETIME_S = 60
#: Clock skew tolerated between broker and node when checking ``iat`` and ``exp``.
DEFAULT_LEEWAY_S = 5
_MAX_TOKEN_BYTES = 4096
#: The reason given for a kid not in the key set (a verifier may re-read its JWKS on it: rotation).
UNKNOWN_KEY = "signed with an unknown key"
_CLAIMS = (
    "iss", "aud", "sub", "sub_kind", "grant", "grantee", "purpose", "edition", "edition_version", "edition_digest",
    "window", "jti", "iat", "exp",
)  # fmt: skip


class WarrantInvalid(Exception):
    """The warrant is not valid; ``str(exc)`` is a short reason without the subject identifier."""


@dataclass(frozen=True, slots=True)
class Warrant:
    """A warrant's checked claims."""

    issuer: str
    region_code: str
    subject: Subject
    grant_id: str
    grantee: str
    purpose: str
    edition: Edition
    #: The edition file's version and digest the broker holds (:mod:`merge.edition_files`).
    edition_version: str
    edition_digest: str
    window_from: date
    window_to: date
    jti: str
    issued_at: datetime
    expires_at: datetime

    def mismatch(self, subject: Subject, edition: Edition, window_from: date, window_to: date) -> str | None:
        """Why a query is not the one this warrant allows, or ``None`` when it is exactly that query."""
        if subject != self.subject:
            return "subject does not match the warrant"
        if edition is not self.edition:
            return "edition does not match the warrant"
        if (self.edition_version, self.edition_digest) != (edition.version, edition.digest):
            return (
                f"edition {edition.value} version {self.edition_version} ({self.edition_digest[:19]}) is not the one "
                f"this node holds (version {edition.version}, {edition.digest[:19]})"
            )
        if (window_from, window_to) != (self.window_from, self.window_to):
            return "window does not match the warrant"
        return None


def new_jti() -> str:
    return uuid.uuid4().hex


def issue_warrant(
    key: OKPKey,
    *,
    issuer: str,
    region_code: str,
    subject: Subject,
    grant_id: str,
    grantee: str,
    purpose: str,
    edition: Edition,
    window_from: date,
    window_to: date,
    now: datetime,
    lifetime_s: int = 30,
    jti: str | None = None,
) -> str:
    """Sign a warrant for one region with ``key`` (its ``kid`` goes in the header); returns the compact JWT."""
    if not 1 <= lifetime_s <= MAX_LIFETIME_S:
        raise ValueError(f"lifetime_s: must be between 1 and {MAX_LIFETIME_S}")
    if key.kid is None:
        raise ValueError("key: has no kid")
    if window_from > window_to:
        raise ValueError("window: from is after to")
    iat = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": region_code,
        "sub": subject.identifier,
        "sub_kind": subject.kind.value,
        "grant": grant_id,
        "grantee": grantee,
        "purpose": purpose,
        "edition": edition.value,
        "edition_version": edition.version,
        "edition_digest": edition.digest,
        "window": {"from": window_from.isoformat(), "to": window_to.isoformat()},
        "jti": jti or new_jti(),
        "iat": iat,
        "exp": iat + lifetime_s,
    }
    private = key.private_key
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("key: not a private Ed25519 key")
    # RFC 7515 §5.1: BASE64URL(header) '.' BASE64URL(claims), signed; the JSON is serialised as joserfc does.
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    signing_input = _warrant_header(key.kid) + b"." + _b64url(payload)
    return (signing_input + b"." + _b64url(signer_for(private).sign(signing_input))).decode("ascii")


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@lru_cache(maxsize=16)
def _warrant_header(kid: str) -> bytes:
    # Key order as joserfc's jwt.encode leaves it ({"typ": "JWT", **header} with typ overridden).
    header = {"typ": WARRANT_TYPE, "alg": ALGORITHM, "kid": kid}
    return _b64url(json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii"))


def load_jwks(data: Mapping[str, Any]) -> KeySet:
    """The public keys of an RFC 7517 JWKS document (private members, if any, are dropped)."""
    keys = data.get("keys")
    if not isinstance(keys, list) or not keys:
        raise ValueError("jwks: must have a non-empty 'keys' list")
    public = [{k: v for k, v in entry.items() if k != "d"} for entry in keys if isinstance(entry, dict)]
    if any("kid" not in entry for entry in public):
        raise ValueError("jwks: every key needs a 'kid'")
    return KeySet.import_key_set({"keys": public})


def _str_claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise WarrantInvalid(f"claim {name} missing or not a string")
    return value


def _int_claim(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise WarrantInvalid(f"claim {name} missing or not a number")
    return value


def _parse(claims: Mapping[str, Any]) -> Warrant:
    missing = [name for name in _CLAIMS if name not in claims]
    if missing:
        raise WarrantInvalid(f"missing claims: {', '.join(missing)}")
    window = claims["window"]
    if not isinstance(window, dict):
        raise WarrantInvalid("claim window is not an object")
    try:
        kind = SubjectKind(_str_claim(claims, "sub_kind"))
        window_from = date.fromisoformat(_str_claim(window, "from"))
        window_to = date.fromisoformat(_str_claim(window, "to"))
    except ValueError:
        raise WarrantInvalid("claim sub_kind or window is malformed") from None
    name = _str_claim(claims, "edition")
    try:
        edition = Edition(name)
    except ValueError:
        raise WarrantInvalid(f"edition {name[:32]!r}: not an edition this side holds") from None
    return Warrant(
        issuer=_str_claim(claims, "iss"),
        region_code=_str_claim(claims, "aud"),
        subject=Subject(kind, _str_claim(claims, "sub")),
        grant_id=_str_claim(claims, "grant"),
        grantee=_str_claim(claims, "grantee"),
        purpose=_str_claim(claims, "purpose"),
        edition=edition,
        edition_version=_str_claim(claims, "edition_version"),
        edition_digest=_str_claim(claims, "edition_digest"),
        window_from=window_from,
        window_to=window_to,
        jti=_str_claim(claims, "jti"),
        issued_at=datetime.fromtimestamp(_int_claim(claims, "iat"), UTC),
        expires_at=datetime.fromtimestamp(_int_claim(claims, "exp"), UTC),
    )


def verify_warrant(
    token: str | bytes,
    keys: KeySet,
    *,
    audience: str,
    now: datetime,
    issuers: Collection[str],
    leeway_s: int = DEFAULT_LEEWAY_S,
) -> Warrant:
    """Check signature (any key of ``keys`` by ``kid``), type, audience, issuer, lifetime and expiry; return the
    claims or raise :class:`WarrantInvalid`. Replay is not checked here.

    ``issuers`` (at least one; ``ValueError`` otherwise) are the brokers whose warrants are accepted: a key in
    ``keys`` proves who signed, ``iss`` says for which broker, and both must be right (issue 10).
    """
    warrant = _parse(signed_claims(token, keys, typ=WARRANT_TYPE, kind="query warrant", issuers=issuers))
    check_binding(
        region_code=warrant.region_code, issuer=warrant.issuer, issued_at=warrant.issued_at,
        expires_at=warrant.expires_at, audience=audience, issuers=issuers, now=now, leeway_s=leeway_s,
    )  # fmt: skip
    return warrant


def signed_claims(token: str | bytes, keys: KeySet, *, typ: str, kind: str, issuers: Collection[str]) -> dict[str, Any]:
    """The claims of a compact JWS of type ``typ`` signed by a key of ``keys`` (by ``kid``), or
    :class:`WarrantInvalid` with a short reason. Shared by every kind of warrant (query, ticket): one place checks
    size, signature and type, so that no kind can be passed for another (RFC 8725 §3.11)."""
    if not issuers:
        raise ValueError("issuers: name at least one accepted broker issuer")
    if not token:
        raise WarrantInvalid("no warrant")
    if len(token) > _MAX_TOKEN_BYTES:
        raise WarrantInvalid("warrant too large")
    try:
        decoded = jwt.decode(token, keys, registry=eddsa_registry())
    except InvalidKeyIdError:
        raise WarrantInvalid(UNKNOWN_KEY) from None
    except BadSignatureError:
        raise WarrantInvalid("bad signature") from None
    except (JoseError, ValueError, TypeError):
        raise WarrantInvalid("malformed warrant") from None
    if decoded.header.get("typ") != typ:
        raise WarrantInvalid(f"not a {kind} (typ)")
    claims = decoded.claims
    if not isinstance(claims, dict):
        raise WarrantInvalid("malformed warrant")
    return claims


def check_binding(
    *,
    region_code: str,
    issuer: str,
    issued_at: datetime,
    expires_at: datetime,
    audience: str,
    issuers: Collection[str],
    now: datetime,
    leeway_s: int,
) -> None:
    """For this region, from an accepted broker, short-lived and within its lifetime (with ``leeway_s`` of clock
    skew); :class:`WarrantInvalid` otherwise. Replay is the node's check."""
    if region_code != audience:
        raise WarrantInvalid(f"audience {region_code[:8]} is not this region ({audience})")
    if issuer not in issuers:
        raise WarrantInvalid(f"unexpected issuer {issuer[:64]!r}, not an accepted broker")
    lifetime = (expires_at - issued_at).total_seconds()
    if not 0 < lifetime <= MAX_LIFETIME_S:
        raise WarrantInvalid(f"lifetime must be at most {MAX_LIFETIME_S} s")
    instant = now.timestamp()
    if expires_at.timestamp() + leeway_s <= instant:
        raise WarrantInvalid("expired")
    if issued_at.timestamp() - leeway_s > instant:
        raise WarrantInvalid("issued in the future")
