"""The broker's keys: Ed25519 signing keys (JWS on reports, query warrants, access tokens) and, for PDF
signatures, an X.509 certificate issued by a CA.

Layout of the keys directory (``JJJ_KEYS_DIR``, default ``var/keys``)::

    signing/<kid>.pem   Ed25519 private keys (PKCS#8); every one ever used stays, so older reports still verify
    signing/ACTIVE      the kid that signs now
    ca.pem, ca-key.pem  the development CA (production: your CA's certificate only, no key)
    broker.pem          the broker's certificate for PAdES signatures, issued by the CA
    broker-key.pem      its private key (ECDSA P-256; RSA works too, EdDSA is refused: see check_pdf_signer_cert)

``jjj keys init`` makes all of this for the demo; ``jjj keys rotate`` adds a signing key and makes it active.
Production mounts the same layout from its own files. JOSE via joserfc (authlib's successor to ``authlib.jose``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from joserfc.jwk import KeySet, OKPKey


class KeysMissing(RuntimeError):
    """The keys directory is incomplete; ``jjj keys init`` creates a development set."""


class KeysUnusable(KeysMissing):
    """A key in the keys directory cannot do its job (the message says which and what to do instead)."""


#: ECDSA curves a PDF 1.7 PAdES signature may use (ETSI TS 119 312), by their cryptography names.
_PDF_SIGNER_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})
_MIN_RSA_BITS = 2048


def check_pdf_signer_cert(cert: Path) -> None:
    """Refuse a PDF signer certificate whose key a PDF 1.7 / PDF/A-3 signature cannot use.

    ECDSA on P-256/P-384/P-521 and RSA of at least 2048 bits are fine. EdDSA is defined for PDF signatures only
    by ISO/TS 32002 on PDF 2.0: signing with it would turn the PDF/A-3b report into a PDF 2.0 file that many
    desktop readers cannot verify, so a key directory holding such a certificate gets a clear message instead.
    """
    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _PDF_SIGNER_CURVES:
        return
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= _MIN_RSA_BITS:
        return
    if isinstance(key, ec.EllipticCurvePublicKey):
        kind = f"ECDSA {key.curve.name}"
    elif isinstance(key, rsa.RSAPublicKey):
        kind = f"RSA {key.key_size} bits"
    else:
        kind = type(key).__name__.removesuffix("PublicKey")
    raise KeysUnusable(
        f"{cert}: the PDF signer's key ({kind}) cannot sign a PDF 1.7 / PDF/A-3 report; use ECDSA P-256 (or RSA "
        f">= {_MIN_RSA_BITS} bits) with a certificate from your CA, or for development "
        f"`jjj keys init --force --dir {cert.parent}` (older PDFs then verify only against the old CA)"
    )


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Every signing key by kid, the active one, and the PDF certificate paths."""

    directory: Path
    active_kid: str
    keys: dict[str, OKPKey]

    @property
    def active(self) -> OKPKey:
        return self.keys[self.active_kid]

    def public_jwks(self) -> dict[str, Any]:
        """RFC 7517 JWKS of every public signing key (``/.well-known/jwks.json``)."""
        jwks: dict[str, Any] = dict(KeySet([self._public(kid) for kid in sorted(self.keys)]).as_dict(private=False))
        return jwks

    def verification_keys(self) -> KeySet:
        return KeySet([self.keys[kid] for kid in sorted(self.keys)])

    def _public(self, kid: str) -> OKPKey:
        return OKPKey.import_key(self.keys[kid].as_dict(private=False) | {"kid": kid, "use": "sig", "alg": "EdDSA"})

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def signer_cert(self) -> Path:
        return self.directory / "broker.pem"

    @property
    def signer_key(self) -> Path:
        return self.directory / "broker-key.pem"


def _load_okp(path: Path, kid: str) -> OKPKey:
    return OKPKey.import_key(path.read_bytes(), {"kid": kid, "use": "sig", "alg": "EdDSA"})


def load_keyring(directory: Path) -> KeyRing:
    signing = directory / "signing"
    active_file = signing / "ACTIVE"
    if not active_file.exists():
        raise KeysMissing(f"no signing keys in {directory} (run `jjj keys init --dir {directory}`)")
    keys = {path.stem: _load_okp(path, path.stem) for path in sorted(signing.glob("*.pem"))}
    active = active_file.read_text().strip()
    if active not in keys:
        raise KeysMissing(f"{active_file} names {active!r}, which is not in {signing}")
    ring = KeyRing(directory=directory, active_kid=active, keys=keys)
    if ring.signer_cert.exists():  # checked at start, not on the first PDF in a worker process
        check_pdf_signer_cert(ring.signer_cert)
    return ring


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)  # atomic: a crash never leaves half a key


def add_signing_key(directory: Path) -> str:
    """Create a new Ed25519 key and make it active; older keys stay for verification. Returns its kid."""
    kid = dt.datetime.now(dt.UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_private(directory / "signing" / f"{kid}.pem", pem)
    (directory / "signing" / "ACTIVE").write_text(kid + "\n")
    return kid


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "jjj development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def create_development_pki(directory: Path, *, days: int = 3650) -> None:
    """A development CA and a broker certificate for PDF signatures (ECDSA P-256, SHA-256)."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("jjj development CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("jjj broker report signing"))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pkcs8 = serialization.PrivateFormat.PKCS8
    plain = serialization.NoEncryption()
    pem = serialization.Encoding.PEM
    _write_private(directory / "ca-key.pem", ca_key.private_bytes(pem, pkcs8, plain))
    _write_private(directory / "broker-key.pem", signer_key.private_bytes(pem, pkcs8, plain))
    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (directory / "broker.pem").write_bytes(signer_cert.public_bytes(pem))


def init_keys(directory: Path, *, force: bool = False) -> KeyRing:
    """Create a development key set unless one exists (``force`` replaces the PKI, never deletes old keys)."""
    if not (directory / "signing" / "ACTIVE").exists():
        add_signing_key(directory)
    if force or not (directory / "broker.pem").exists():
        create_development_pki(directory)
    return load_keyring(directory)
