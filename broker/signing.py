"""The report as a JWS (RFC 7515): the canonical JSON signed with the broker's active Ed25519 key.

A report's JWS is compact (``header.payload.signature``); the protected header names the key (``kid``) so a
verifier picks the right key from the JWKS at ``/.well-known/jwks.json``. Every key ever used stays in the key
ring, so a report signed before ``jjj keys rotate`` still verifies afterwards.

The payload is the report's content, so the broker stores the JWS *detached* (RFC 7515 Appendix F: header and
signature, payload left out) in clear and rebuilds the compact form from the decrypted snapshot.

Algorithm: ``EdDSA`` (RFC 8037), the name the key ring designates its keys for and every JOSE library
verifies. RFC 9864 registers the same signature as ``Ed25519`` and deprecates the polymorphic name; joserfc
warns about that on every use, so this module's registry returns the algorithm without the warning — a switch
to ``Ed25519`` needs the keys' ``alg`` changed in :mod:`broker.keys` and verifiers told.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from joserfc import jws
from joserfc._rfc7515.model import JWSAlgModel  # the algorithm type get_alg returns; not re-exported
from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jws import JWSRegistry

from broker.keys import KeyRing

ALGORITHM = "EdDSA"
#: ``cty`` of the payload (RFC 7515 §4.1.10: "application/" omitted).
CONTENT_TYPE = "json"
#: Largest payload accepted; joserfc's default (128 kB) is smaller than a report with many records.
MAX_PAYLOAD_BYTES = 64 * 1024 * 1024


class InvalidReportSignature(ValueError):
    """The JWS does not parse, names an unknown key, or its signature does not match its payload."""


class _ReportRegistry(JWSRegistry):
    """EdDSA only, large payloads allowed, no per-call deprecation warning (see the module docstring)."""

    max_payload_length = MAX_PAYLOAD_BYTES

    def get_alg(self, name: str) -> JWSAlgModel:
        if name != ALGORITHM or name not in self.algorithms:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return self.algorithms[name]


def _registry() -> JWSRegistry:
    return _ReportRegistry(algorithms=[ALGORITHM])


def sign_report(canonical: bytes, ring: KeyRing) -> str:
    """Compact JWS of the canonical JSON, signed by the active key (its kid in the protected header)."""
    header = {"alg": ALGORITHM, "kid": ring.active_kid, "cty": CONTENT_TYPE}
    return jws.serialize_compact(header, canonical, ring.active, registry=_registry())


@dataclass(frozen=True, slots=True)
class VerifiedReport:
    payload: bytes
    kid: str


def verify_report(token: str | bytes, ring: KeyRing) -> VerifiedReport:
    """Check a compact JWS against every key in the ring; returns the payload and the signing key's id."""
    try:
        raw = token if isinstance(token, bytes) else token.encode()
        kid = jws.extract_compact(raw, registry=_registry()).protected.get("kid")
        if not isinstance(kid, str) or kid not in ring.keys:
            raise InvalidReportSignature("the JWS names no key of this broker")
        result = jws.deserialize_compact(raw, ring.keys[kid], registry=_registry())
    except (JoseError, ValueError) as exc:
        if isinstance(exc, InvalidReportSignature):
            raise
        raise InvalidReportSignature(f"the JWS does not verify ({type(exc).__name__})") from None
    return VerifiedReport(payload=result.payload, kid=kid)


@dataclass(frozen=True, slots=True)
class DetachedJws:
    """A JWS without its payload: what the broker may keep in clear."""

    protected: str
    signature: str

    @classmethod
    def of(cls, token: str) -> DetachedJws:
        protected, _payload, signature = token.split(".")
        return cls(protected=protected, signature=signature)

    def attach(self, canonical: bytes) -> str:
        """The compact JWS again, from the canonical JSON it was made of."""
        payload = base64.urlsafe_b64encode(canonical).rstrip(b"=").decode()
        return f"{self.protected}.{payload}.{self.signature}"
