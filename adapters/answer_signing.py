"""The node's side of answer signatures (protocol v2): its answer-signing key, checked at start, and signing.

A region signs every answer document with its **answer-signing key** (``answer-<region>-key.pem``) whose
certificate (``answer-<region>.pem``, made by ``jjj certs init``) names the region (SAN ``urn:jjj:region:<code>``),
has EKU documentSigning only and is issued by the federation CA. Why a key of its own rather than the node's TLS
key: the signature outlives the connection (it is checked offline, years later, by whoever holds a report), the
TLS key is ECDSA and rotated for the transport's sake, and a document-signing EKU keeps either key out of the
other's role.

What is signed (scheme ``jjj.region-answer-signature/1``, :mod:`merge.signed_part`): Ed25519 over a small header
holding the document's SHA-256. Measured on 10,000 records (9 MB): SHA-256 with the CPU's SHA extensions takes a
third of the time Ed25519 takes to hash the document itself with SHA-512 (twice when signing), and a verifier
hashes once with a function every platform has.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.identity import DOCUMENT_SIGNING, extended_key_usages, region_mismatch, uris_of
from adapters.pki_files import PkiError
from adapters.pki_layout import PkiLayout
from adapters.tls_material import TlsSource, check_chain, load_material
from merge.ed25519 import Ed25519Signer
from merge.regions import Region
from merge.signed_part import SCHEME, header_of


@dataclass(frozen=True, slots=True)
class AnswerSignature:
    """What closes an answer stream: the scheme, the signature and the signing certificate (DER)."""

    scheme: str
    signature: bytes
    certificate: bytes


class AnswerSigner:
    """Signs one region's answer documents with its answer-signing key."""

    def __init__(self, region: Region, key: Ed25519PrivateKey, certificate_der: bytes) -> None:
        self.region = region
        self._signer = Ed25519Signer(key)  # libsodium: a third less CPU per answer (merge.ed25519)
        self.certificate = certificate_der

    @classmethod
    def load(cls, source: TlsSource, region: Region) -> AnswerSigner:
        """The signer from its files, checked before the node listens: key and certificate match, issued by the CA,
        valid now, EKU documentSigning, naming ``region``, an Ed25519 key (:class:`PkiError` naming the file)."""
        material = load_material(source)
        check_chain(material, source)
        if DOCUMENT_SIGNING not in extended_key_usages(material.certificate):
            raise PkiError(f"{source.cert}: not an answer-signing certificate (EKU documentSigning missing)")
        mismatch = region_mismatch(uris_of(material.certificate), region)
        if mismatch is not None:
            raise PkiError(f"{source.cert}: {mismatch} (this node answers for {region.value})")
        key = serialization.load_pem_private_key(material.private_key, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise PkiError(f"{source.key}: not an Ed25519 private key")
        der = material.certificate.public_bytes(serialization.Encoding.DER)
        return cls(region, key, der)

    @classmethod
    def from_directory(cls, directory: PkiLayout, region: Region) -> AnswerSigner:
        """The signer of ``region`` from a ``jjj certs init`` directory."""
        source = TlsSource(directory.answer_cert(region), directory.answer_key(region), directory.ca_cert)
        return cls.load(source, region)

    def sign(self, document: bytes) -> AnswerSignature:
        return AnswerSignature(SCHEME, self._signer.sign(header_of(document)), self.certificate)
