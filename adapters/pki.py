"""The federation's development PKI: one CA, a TLS certificate per region node, the broker's client certificate,
and a per-region answer-signing certificate (names and EKUs: :mod:`adapters.identity`).

Files, in one directory (``jjj certs init --dir var/certs``; every file 0600, the directory 0700)::

    ca.pem  ca-key.pem                          federation CA (ECDSA P-256, 10 years)
    broker.pem  broker-key.pem                  the broker's client certificate (P-256, clientAuth)
    node-<region>.pem  node-<region>-key.pem    each node's TLS certificate (P-256, serverAuth)
    answer-<region>.pem  answer-<region>-key.pem  each region's answer-signing certificate (Ed25519)
    retired/<UTC time>/…                        what rotation replaced, kept (never deleted)

Contracts:

* Every file is written atomically (a temporary file created 0600 in the same directory, fsynced, then linked or
  renamed into place): a reader never sees half a key, and a key is never readable by others, not even briefly.
* Nothing is overwritten unless asked: :func:`ensure_dev_pki` only creates what is missing. Replacing (``force``,
  :func:`rotate`) first keeps the old files under ``retired/<time>/`` (hard links), then renames the new ones over
  them, so there is no moment without a key and certificate in place.
* A pair is written key first, certificate second; the loaders (:mod:`adapters.tls_material`) check that key and
  certificate match, so a reader racing a rotation fails with a clear error instead of serving a wrong pair.

Rotation of a leaf (``jjj certs rotate [broker|beijing|tianjin|hebei …]``): new keys and certificates are issued
by the same CA, so the old and the new certificate are both valid until the old one expires; the old files are
kept under ``retired/``. Restart each node (then the broker) to load its new pair; in between, broker and nodes still
trust each other. Distribute only the new ``node-<region>*.pem`` to that region, and ``broker*.pem`` to every
broker replica. Rotating the CA itself (``jjj certs init --force``) replaces every certificate at once: all nodes
and brokers must get the new ``ca.pem`` and their new pair before they can talk again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from adapters.identity import (
    BROKER_URI,
    CLIENT_AUTH,
    DOCUMENT_SIGNING,
    SERVER_AUTH,
    region_dns,
    region_uri,
)
from adapters.pki_files import DIR_MODE, PkiError, file_mode, retire, write_file, write_new
from adapters.pki_layout import PkiLayout
from merge.regions import Region

CA_DAYS = 3650
LEAF_DAYS = 397
_BACKDATE = dt.timedelta(minutes=5)  # tolerate clock skew between the machines of the federation

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "jjj federation (development)"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(days: int = CA_DAYS) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed federation CA that may sign leaves only (``path_length=0``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("jjj federation development CA", "federation CA")
    now = dt.datetime.now(dt.UTC) - _BACKDATE
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@dataclass(frozen=True, slots=True)
class LeafProfile:
    """What one leaf certificate says: names, key usage and EKU."""

    common_name: str
    unit: str
    uris: tuple[str, ...]
    dns_names: tuple[str, ...]
    usage: x509.ObjectIdentifier
    signing_key: bool = False  # Ed25519 answer signing (no key agreement, no TLS)


def broker_profile() -> LeafProfile:
    return LeafProfile("jjj broker", "broker", (BROKER_URI,), (), CLIENT_AUTH)


def node_profile(region: Region, extra_dns: Iterable[str] = ()) -> LeafProfile:
    dns = (region_dns(region), *extra_dns)
    return LeafProfile(region_dns(region), f"node {region.code}", (region_uri(region),), dns, SERVER_AUTH)


def answer_profile(region: Region) -> LeafProfile:
    unit = f"answer signing {region.code}"
    return LeafProfile(f"region {region.code} answers", unit, (region_uri(region),), (), DOCUMENT_SIGNING, True)


def issue_leaf(
    profile: LeafProfile, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, *, days: int = LEAF_DAYS
) -> tuple[PrivateKey, x509.Certificate]:
    """A new key and a certificate for it, signed by the CA (never valid beyond the CA)."""
    key: PrivateKey = (
        ed25519.Ed25519PrivateKey.generate() if profile.signing_key else ec.generate_private_key(ec.SECP256R1())
    )
    now = dt.datetime.now(dt.UTC) - _BACKDATE
    not_after = min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(uri) for uri in profile.uris]
    names += [x509.DNSName(dns) for dns in profile.dns_names]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(profile.common_name, profile.unit))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )  # digitalSignature only: ECDHE suites sign, they never encrypt to the certificate's key
        .add_extension(x509.ExtendedKeyUsage([profile.usage]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _profile_for(name: str) -> LeafProfile:
    if name == "broker":
        return broker_profile()
    kind, _, slug = name.partition("-")
    region = Region(slug)
    return node_profile(region) if kind == "node" else answer_profile(region)


def _load_ca(layout: PkiLayout) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    for path in (layout.ca_cert, layout.ca_key):
        if not path.is_file():
            raise PkiError(f"{path}: missing; the CA is needed to issue certificates (jjj certs init --dir DIR)")
    key = serialization.load_pem_private_key(layout.ca_key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{layout.ca_key}: not an ECDSA private key")
    return key, x509.load_pem_x509_certificate(layout.ca_cert.read_bytes())


def _write_pair(cert_path: Path, key_path: Path, key: PrivateKey, cert: x509.Certificate, *, replace: bool) -> None:
    # Key first: a certificate on disk always has its key beside it (the loaders check they match).
    write_file(key_path, _pem_key(key), replace=replace)
    write_file(cert_path, _pem_cert(cert), replace=replace)


def ensure_dev_pki(directory: Path) -> PkiLayout:
    """Create whatever of the development PKI is missing in ``directory``; never replace what exists.

    Idempotent: the demo and tests call it every time. A leaf whose certificate is missing is (re)issued by the
    existing CA (a key without its certificate — a crash between the two writes — is retired first).
    """
    layout = PkiLayout(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if not layout.ca_cert.exists():
        if layout.ca_key.exists():
            raise PkiError(f"{layout.ca_key}: exists without {layout.ca_cert.name}; move it away or use --force")
        ca_key, ca_cert = make_ca()
        write_new(layout.ca_key, _pem_key(ca_key))
        write_new(layout.ca_cert, _pem_cert(ca_cert))
    missing = [(name, cert, key) for name, cert, key in layout.pairs() if not cert.exists()]
    if missing:
        ca_key, ca_cert = _load_ca(layout)
        orphans = [key for _, _, key in missing if key.exists()]
        retire(directory, orphans)
        for name, cert_path, key_path in missing:
            key, cert = issue_leaf(_profile_for(name), ca_key, ca_cert)
            _write_pair(cert_path, key_path, key, cert, replace=key_path in orphans)
    return layout


def rotate(directory: Path, names: Iterable[str] = ()) -> list[str]:
    """Issue new keys and certificates for the named leaves (all by default) under the existing CA; the old files
    are kept under ``retired/<time>/``. Returns the names of the rotated pairs."""
    layout = PkiLayout(directory)
    ca_key, ca_cert = _load_ca(layout)
    pairs = layout.pairs(names)
    issued = [(cert, key, *issue_leaf(_profile_for(name), ca_key, ca_cert)) for name, cert, key in pairs]
    retire(directory, [path for _, cert, key in pairs for path in (cert, key) if path.exists()])
    for cert_path, key_path, key, cert in issued:
        _write_pair(cert_path, key_path, key, cert, replace=True)
    return [name for name, _, _ in pairs]


def reinit(directory: Path) -> PkiLayout:
    """A new CA and every leaf (``jjj certs init --force``); the old files are kept under ``retired/<time>/``."""
    layout = PkiLayout(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    existing = [layout.ca_cert, layout.ca_key] + [p for _, cert, key in layout.pairs() for p in (cert, key)]
    retire(directory, [path for path in existing if path.exists()])
    ca_key, ca_cert = make_ca()
    write_file(layout.ca_key, _pem_key(ca_key), replace=True)
    write_file(layout.ca_cert, _pem_cert(ca_cert), replace=True)
    for name, cert_path, key_path in layout.pairs():
        key, cert = issue_leaf(_profile_for(name), ca_key, ca_cert)
        _write_pair(cert_path, key_path, key, cert, replace=True)
    return layout


__all__ = ["PkiLayout", "ensure_dev_pki", "file_mode", "issue_leaf", "make_ca", "reinit", "rotate"]
