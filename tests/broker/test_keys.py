"""The key ring: an existing key directory loads; a PDF signer key no PDF 1.7 signature can use is refused
with a message that says what to do, and `jjj keys init --force` replaces it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from broker.keys import KeysUnusable, check_pdf_signer_cert, init_keys, load_keyring
from broker.pdf.sign import load_signer


def _replace_signer(directory: Path, key: CertificateIssuerPrivateKeyTypes) -> None:
    """A broker.pem / broker-key.pem pair of ``key``'s type, issued by the directory's own CA."""
    ca_key = serialization.load_pem_private_key((directory / "ca-key.pem").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "other signer")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / "broker.pem").write_bytes(cert.public_bytes(pem))
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (directory / "broker-key.pem").write_bytes(private)


def test_development_set_signs_pdfs_with_ecdsa_p256(tmp_path: Path) -> None:
    ring = init_keys(tmp_path)
    key = x509.load_pem_x509_certificate(ring.signer_cert.read_bytes()).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert key.curve.name == "secp256r1"
    assert load_keyring(tmp_path).active_kid == ring.active_kid  # an existing directory loads as it is
    check_pdf_signer_cert(ring.signer_cert)


def test_eddsa_pdf_signer_is_refused_with_what_to_do(tmp_path: Path) -> None:
    init_keys(tmp_path)
    _replace_signer(tmp_path, ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(KeysUnusable, match=r"Ed25519.*PDF 1\.7.*jjj keys init --force"):
        load_keyring(tmp_path)
    with pytest.raises(KeysUnusable):  # and never reaches a worker process's signer
        load_signer(tmp_path / "broker-key.pem", tmp_path / "broker.pem", tmp_path / "ca.pem")
    # What the message says to do works, and keeps the JWS signing keys.
    before = sorted((tmp_path / "signing").glob("*.pem"))
    ring = init_keys(tmp_path, force=True)
    check_pdf_signer_cert(ring.signer_cert)
    assert sorted((tmp_path / "signing").glob("*.pem")) == before


def test_rsa_pdf_signer_is_accepted_and_a_short_one_is_not(tmp_path: Path) -> None:
    init_keys(tmp_path)
    _replace_signer(tmp_path, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    load_keyring(tmp_path)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point of the test
    _replace_signer(tmp_path, weak)
    with pytest.raises(KeysUnusable, match="RSA 1024 bits"):
        load_keyring(tmp_path)
