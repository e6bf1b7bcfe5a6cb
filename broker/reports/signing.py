"""The report as a JWS (RFC 7515): the canonical JSON signed with the broker's active Ed25519 key.

A report's JWS is compact (``header.payload.signature``); the protected header names the key (``kid``) so a
verifier picks the right key from the JWKS at ``/.well-known/jwks.json``. Every key ever used stays in the key
ring, so a report signed before ``jjj keys rotate`` still verifies afterwards.

The payload is the report's content, so the broker stores the JWS *detached* (RFC 7515 Appendix F: header and
signature, payload left out) in clear and rebuilds the compact form from the decrypted snapshot.

Signing goes straight to ``cryptography``'s Ed25519 (:func:`sign_detached`): joserfc builds the payload's base64
three times over and the whole compact token on top (about 5× the payload for a large report), whereas only the
detached parts are kept. The signing input is written once, in chunks, into one buffer. The bytes are exactly what
joserfc would produce (same header JSON, Ed25519 is deterministic); verification stays with joserfc.

Algorithm: ``EdDSA`` (RFC 8037), the name the key ring designates its keys for and every JOSE library
verifies. RFC 9864 registers the same signature as ``Ed25519`` and deprecates the polymorphic name; joserfc
warns about that on every use, so this module's registry returns the algorithm without the warning — a switch
to ``Ed25519`` needs the keys' ``alg`` changed in :mod:`broker.keys` and verifiers told.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc._rfc7515.model import JWSAlgModel  # the algorithm type get_alg returns; not re-exported
from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from broker.keys import KeyRing

ALGORITHM = "EdDSA"
#: ``cty`` of the payload (RFC 7515 §4.1.10: "application/" omitted).
CONTENT_TYPE = "json"
#: Largest payload accepted; joserfc's default (128 kB) is smaller than a report with many records.
MAX_PAYLOAD_BYTES = 64 * 1024 * 1024
#: Payload bytes base64-encoded per step when building a signing input (a multiple of 3: no padding inside).
_CHUNK = 3 * 256 * 1024
_URLSAFE = bytes.maketrans(b"+/", b"-_")


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


def b64url(data: bytes) -> bytes:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def encoded_header(header: dict[str, Any]) -> bytes:
    """The protected header's segment, serialised as joserfc does (ASCII JSON, no spaces, key order kept)."""
    return b64url(json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii"))


def ed25519_key(key: OKPKey) -> Ed25519PrivateKey:
    """The ``cryptography`` private key inside a joserfc OKP key; refuses anything but a private Ed25519 key."""
    private = key.private_key
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"key {key.kid!r}: not a private Ed25519 key")
    return private


def _b64_length(n: int) -> int:
    return (4 * n + 2) // 3  # unpadded


def _write_b64url(buffer: bytearray, at: int, data: bytes | memoryview) -> int:
    """Write ``data`` base64url-encoded (unpadded) into ``buffer`` from ``at``, chunk by chunk; returns the end."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        piece = binascii.b2a_base64(view[start : start + _CHUNK], newline=False).translate(_URLSAFE).rstrip(b"=")
        buffer[at : at + len(piece)] = piece
        at += len(piece)
    return at


def signing_input(header_segment: bytes, payload: bytes, trailer: bytes = b"") -> bytearray:
    """``header_segment || '.' || BASE64URL(payload)`` (RFC 7515 §5.1 step 5) and then ``trailer``, built in
    one buffer of the exact size (no intermediate copies of the payload's base64)."""
    buffer = bytearray(len(header_segment) + 1 + _b64_length(len(payload)) + len(trailer))
    buffer[: len(header_segment)] = header_segment
    buffer[len(header_segment)] = ord(".")
    end = _write_b64url(buffer, len(header_segment) + 1, payload)
    buffer[end:] = trailer
    if len(buffer) != end + len(trailer):  # pragma: no cover - arithmetic guard
        raise AssertionError("signing input length")
    return buffer


@lru_cache(maxsize=16)
def _report_header(kid: str) -> bytes:
    return encoded_header({"alg": ALGORITHM, "kid": kid, "cty": CONTENT_TYPE})


def sign_detached(canonical: bytes, ring: KeyRing) -> DetachedJws:
    """The detached JWS (header and signature) of the canonical JSON, signed by the active key.

    Identical to the parts of :func:`sign_report`'s token; the payload's base64 exists only while signing.
    """
    if len(canonical) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"report: payload larger than {MAX_PAYLOAD_BYTES} bytes")
    header = _report_header(ring.active_kid)
    to_sign = signing_input(header, canonical)
    try:
        signature = ed25519_key(ring.active).sign(to_sign)
    finally:
        del to_sign  # the largest buffer of the issuance: release it before anything else is allocated
    return DetachedJws(protected=header.decode("ascii"), signature=b64url(signature).decode("ascii"))


def sign_report(canonical: bytes, ring: KeyRing) -> str:
    """Compact JWS of the canonical JSON, signed by the active key (its kid in the protected header)."""
    return sign_detached(canonical, ring).attach(canonical)


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


def verify_report_with_jwks(token: str | bytes, jwks: dict[str, Any]) -> VerifiedReport:
    """Check a compact JWS against the broker's published keys (``/.well-known/jwks.json``): what anyone holding
    a report and the JWKS can do offline (``jjj verify``)."""
    from consent.warrants import load_jwks

    try:
        keys = load_jwks(jwks)
        raw = token if isinstance(token, bytes) else token.encode()
        kid = jws.extract_compact(raw.strip(), registry=_registry()).protected.get("kid")
        result = jws.deserialize_compact(raw.strip(), keys, registry=_registry())
    except (JoseError, ValueError) as exc:
        raise InvalidReportSignature(f"the JWS does not verify ({type(exc).__name__})") from None
    return VerifiedReport(payload=result.payload, kid=str(kid))


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
        return self._compact(canonical).decode("ascii")

    def attach_bytes(self, canonical: bytes) -> bytes:
        """:meth:`attach` as ASCII bytes."""
        return bytes(self._compact(canonical))

    def _compact(self, canonical: bytes) -> bytearray:
        return signing_input(self.protected.encode("ascii"), canonical, b"." + self.signature.encode("ascii"))
