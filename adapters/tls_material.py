"""Loading a party's TLS files and checking them before anything listens or dials (issue 10).

A node refuses to start with a certificate that is not its region's, not issued by the configured CA, expired,
without ``serverAuth``, or whose key is not the certificate's; the broker likewise for its client certificate.
Failing at start names the file and the setting that points at it, instead of a TLS handshake failing later
with an opaque error on the other side.

``ca`` may hold several CA certificates (PEM concatenated): during a CA rotation both the old and the new CA are
trusted until every party has its new certificate.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from adapters.identity import BROKER_URI, CLIENT_AUTH, SERVER_AUTH, extended_key_usages, region_mismatch, uris_of
from adapters.pki_files import PkiError
from merge.regions import Region

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TlsSource:
    """Where a party's certificate, key and trusted CA are, and the setting that names each (used in errors,
    e.g. ``"--tls-cert / $JJJ_ADAPTER_TLS_CERT"``)."""

    cert: Path
    key: Path
    ca: Path
    cert_setting: str = "certificate"
    key_setting: str = "key"
    ca_setting: str = "CA"


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """Checked PEM bytes, ready for ``grpc.ssl_*_credentials``, and the files they came from."""

    source: TlsSource
    cert_chain: bytes
    private_key: bytes
    root_ca: bytes
    certificate: x509.Certificate
    ca_certificates: tuple[x509.Certificate, ...]


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PkiError(f"{path}: no such file (set by {setting}; create one with `jjj certs init`)") from None
    except OSError as exc:
        raise PkiError(f"{path}: cannot be read ({exc.strerror}; set by {setting})") from None


def _public_bytes(key: object) -> bytes:
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise PkiError("unsupported key type (ECDSA P-256 or Ed25519 expected)")
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_material(source: TlsSource) -> TlsMaterial:
    """Read and parse the three files; check only that the key is the certificate's."""
    cert_pem, key_pem, ca_pem = (
        _read(source.cert, source.cert_setting),
        _read(source.key, source.key_setting),
        _read(source.ca, source.ca_setting),
    )
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise PkiError(f"{source.cert}: not a PEM certificate (set by {source.cert_setting})") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise PkiError(f"{source.key}: not an unencrypted PEM private key (set by {source.key_setting})") from None
    try:
        cas = tuple(x509.load_pem_x509_certificates(ca_pem))
    except ValueError:
        raise PkiError(f"{source.ca}: not a PEM CA certificate (set by {source.ca_setting})") from None
    if _public_bytes(key.public_key()) != _public_bytes(cert.public_key()):
        raise PkiError(f"{source.key}: is not the key of {source.cert} (a rotation half done?)")
    if source.key.stat().st_mode & 0o077:
        log.warning("%s: private key readable by group or others; it should be 0600", source.key)
    return TlsMaterial(source, cert_pem, key_pem, ca_pem, cert, cas)


def check_chain(material: TlsMaterial, source: TlsSource) -> None:
    """Raise :class:`PkiError` unless the certificate was issued by one of the CAs and is valid now."""
    cert = material.certificate
    for ca in material.ca_certificates:
        try:
            cert.verify_directly_issued_by(ca)
            break
        except (ValueError, TypeError, InvalidSignature):
            continue
    else:
        raise PkiError(f"{source.cert}: not issued by the CA in {source.ca} (set by {source.ca_setting})")
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        valid = f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}"
        raise PkiError(f"{source.cert}: not valid now (valid {valid}); rotate it (`jjj certs rotate`)")


def _check_usage(material: TlsMaterial, source: TlsSource, usage: x509.ObjectIdentifier, role: str) -> None:
    if usage not in extended_key_usages(material.certificate):
        raise PkiError(f"{source.cert}: not a {role} certificate (extended key usage {usage.dotted_string} missing)")


def load_node_tls(source: TlsSource, region: Region) -> TlsMaterial:
    """The node's TLS material, checked: issued by the CA, valid now, ``serverAuth``, naming ``region``."""
    material = load_material(source)
    check_chain(material, source)
    _check_usage(material, source, SERVER_AUTH, "TLS server")
    mismatch = region_mismatch(uris_of(material.certificate), region)
    if mismatch is not None:
        raise PkiError(f"{source.cert}: {mismatch} (this node serves {region.value})")
    return material


def load_broker_tls(source: TlsSource) -> TlsMaterial:
    """The broker's client TLS material, checked: issued by the CA, valid now, ``clientAuth``, ``urn:jjj:broker``."""
    material = load_material(source)
    check_chain(material, source)
    _check_usage(material, source, CLIENT_AUTH, "TLS client")
    if BROKER_URI not in uris_of(material.certificate):
        raise PkiError(f"{source.cert}: does not name the broker ({BROKER_URI})")
    return material
