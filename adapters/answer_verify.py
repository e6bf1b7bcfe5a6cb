"""The broker's side of answer signatures: is this answer document really the asked region's, unchanged?

:meth:`AnswerVerifier.verify` checks, before anything reads the document (invariant 1: an answer that cannot be
authenticated is never used), that

* the scheme is ``jjj.region-answer-signature/1`` (:mod:`merge.signed_part`);
* the certificate was issued by one of the federation CAs the broker trusts and is valid now;
* it is an answer-signing certificate (EKU documentSigning) naming exactly the region that was asked
  (``urn:jjj:region:<code>``; another region's key is refused), with an Ed25519 key;
* the signature over the document's header (its SHA-256) verifies with that key.

Anything else raises :class:`AnswerUnauthenticated` with a short reason: the region is then ``refused``.
Certificates that passed the chain check are remembered by their DER bytes (a handful per federation), so a
report costs three SHA-256 passes and three Ed25519 verifications of 100 bytes. ``jjj verify`` runs the same
checks offline (:mod:`broker.cli.verify`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from adapters.identity import DOCUMENT_SIGNING, extended_key_usages, region_mismatch, uris_of
from merge.ed25519 import Ed25519Verifier
from merge.regions import Region
from merge.signed_part import SCHEME, header_of

_CACHE_MAX = 64


class AnswerUnauthenticated(Exception):
    """The answer's signature or certificate does not hold; the message says why (never record content)."""


@dataclass(frozen=True, slots=True)
class _Signer:
    certificate: x509.Certificate
    key: Ed25519Verifier
    subject: str


class AnswerVerifier:
    """Verifies region signatures against the federation CA certificates ``cas``."""

    def __init__(self, cas: Sequence[x509.Certificate], *, clock: Callable[[], dt.datetime] | None = None) -> None:
        if not cas:
            raise ValueError("cas: at least one federation CA certificate")
        self._cas = tuple(cas)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._signers: dict[bytes, _Signer] = {}

    @classmethod
    def from_pem(cls, pem: bytes) -> AnswerVerifier:
        """From the federation CA certificate(s) in PEM (``ca.pem``, as published)."""
        return cls(x509.load_pem_x509_certificates(pem))

    def verify(
        self,
        region: Region,
        document: bytes,
        scheme: str,
        signature: bytes,
        certificate: bytes,
        *,
        at: dt.datetime | None = None,
    ) -> str:
        """The signing certificate's subject if ``signature`` is ``region``'s over ``document``; else raises.

        The certificate must be valid ``at`` (now by default; an offline verifier gives the report's issue time,
        when the broker checked it)."""
        if not scheme and not signature:
            raise AnswerUnauthenticated("the answer is not signed")
        if scheme != SCHEME:
            raise AnswerUnauthenticated(f"unknown signature scheme {scheme[:40]!r}")
        signer = self._signer(certificate)
        now = at or self._clock()
        cert = signer.certificate
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise AnswerUnauthenticated("signing certificate not valid at the time of the answer")
        mismatch = region_mismatch(uris_of(cert), region)
        if mismatch is not None:
            raise AnswerUnauthenticated(f"signing {mismatch}")
        try:
            signer.key.verify(signature, header_of(document))
        except InvalidSignature:
            raise AnswerUnauthenticated("signature does not match the document") from None
        return signer.subject

    def _signer(self, der: bytes) -> _Signer:
        known = self._signers.get(der)
        if known is not None:
            return known
        if not der:
            raise AnswerUnauthenticated("no signing certificate")
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            raise AnswerUnauthenticated("signing certificate is not DER") from None
        if not any(_issued_by(cert, ca) for ca in self._cas):
            raise AnswerUnauthenticated("signing certificate not issued by the federation CA")
        if DOCUMENT_SIGNING not in extended_key_usages(cert):
            raise AnswerUnauthenticated("not an answer-signing certificate (EKU documentSigning missing)")
        key = cert.public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise AnswerUnauthenticated("signing key is not Ed25519")
        signer = _Signer(cert, Ed25519Verifier(key), cert.subject.rfc4514_string())
        if len(self._signers) >= _CACHE_MAX:
            self._signers.clear()
        self._signers[der] = signer
        return signer


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def certificate_der(pem: bytes) -> bytes:
    """DER of a PEM certificate (tests, tools)."""
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
