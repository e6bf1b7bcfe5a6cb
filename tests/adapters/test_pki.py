"""The development PKI: what each certificate says, file safety (0600, atomic, never overwritten), rotation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from adapters.identity import CLIENT_AUTH, DOCUMENT_SIGNING, SERVER_AUTH, extended_key_usages, uris_of
from adapters.pki import PkiLayout, ensure_dev_pki, file_mode, reinit, rotate
from adapters.pki_files import PkiError, write_file, write_new
from merge.regions import REGION_ORDER, Region


def cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def dns_names(certificate: x509.Certificate) -> list[str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return list(san.get_values_for_type(x509.DNSName))


def all_files(layout: PkiLayout) -> list[Path]:
    return [layout.ca_cert, layout.ca_key] + [p for _, c, k in layout.pairs() for p in (c, k)]


def test_every_file_is_there_and_private(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "new" / "certs")
    assert file_mode(pki.directory) == 0o700
    for path in all_files(pki):
        assert file_mode(path) == 0o600, path
    assert not [p for p in pki.directory.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("region", REGION_ORDER)
def test_a_node_certificate_names_its_region_and_serves_only(pki: PkiLayout, region: Region) -> None:
    node = cert(pki.node_cert(region))
    assert uris_of(node) == [f"urn:jjj:region:{region.code}"]
    assert dns_names(node) == [f"region-{region.code}.jjj.internal"]
    assert extended_key_usages(node) == [SERVER_AUTH]
    assert isinstance(node.public_key(), ec.EllipticCurvePublicKey)
    assert node.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    node.verify_directly_issued_by(cert(pki.ca_cert))


def test_the_broker_certificate_is_a_client_certificate_naming_the_broker(pki: PkiLayout) -> None:
    broker = cert(pki.broker_cert)
    assert uris_of(broker) == ["urn:jjj:broker"]
    assert dns_names(broker) == []  # it can never pass for a node
    assert extended_key_usages(broker) == [CLIENT_AUTH]


@pytest.mark.parametrize("region", REGION_ORDER)
def test_each_region_has_an_ed25519_answer_signing_certificate(pki: PkiLayout, region: Region) -> None:
    answer = cert(pki.answer_cert(region))
    assert isinstance(answer.public_key(), ed25519.Ed25519PublicKey)
    assert uris_of(answer) == [f"urn:jjj:region:{region.code}"]
    assert extended_key_usages(answer) == [DOCUMENT_SIGNING]  # neither serverAuth nor clientAuth: not for TLS
    usage = answer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    answer.verify_directly_issued_by(cert(pki.ca_cert))


def test_the_ca_signs_leaves_only(pki: PkiLayout) -> None:
    constraints = cert(pki.ca_cert).extensions.get_extension_for_class(x509.BasicConstraints).value
    assert (constraints.ca, constraints.path_length) == (True, 0)
    leaf = cert(pki.node_cert(Region.BEIJING)).extensions.get_extension_for_class(x509.BasicConstraints).value
    assert leaf.ca is False


def test_ensure_is_idempotent(tmp_path: Path) -> None:
    layout = ensure_dev_pki(tmp_path / "pki")
    before = {path: path.read_bytes() for path in all_files(layout)}
    ensure_dev_pki(tmp_path / "pki")
    assert {path: path.read_bytes() for path in all_files(layout)} == before


def test_ensure_issues_a_missing_certificate_from_the_existing_ca(tmp_path: Path) -> None:
    layout = ensure_dev_pki(tmp_path)
    old_key = layout.node_key(Region.HEBEI).read_bytes()
    layout.node_cert(Region.HEBEI).unlink()  # as if a crash happened between writing the key and the certificate
    ensure_dev_pki(tmp_path)
    cert(layout.node_cert(Region.HEBEI)).verify_directly_issued_by(cert(layout.ca_cert))
    assert layout.node_key(Region.HEBEI).read_bytes() != old_key
    [retired] = (tmp_path / "retired").iterdir()
    assert (retired / "node-hebei-key.pem").read_bytes() == old_key  # even an orphan key is kept, not deleted


def test_a_file_is_never_overwritten_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    write_new(path, b"first")
    with pytest.raises(PkiError, match=r"key\.pem: already exists; not overwritten"):
        write_new(path, b"second")
    assert path.read_bytes() == b"first"
    write_file(path, b"second", replace=True)
    assert path.read_bytes() == b"second"
    assert file_mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.pem"]  # no temporary file left behind


def test_a_key_is_never_readable_by_others_even_with_a_lax_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        write_new(tmp_path / "k.pem", b"secret")
    finally:
        os.umask(previous)
    assert file_mode(tmp_path / "k.pem") == 0o600


def test_rotation_issues_new_leaves_under_the_same_ca_and_keeps_the_old(tmp_path: Path) -> None:
    layout = ensure_dev_pki(tmp_path)
    ca_before = layout.ca_cert.read_bytes()
    old = {path: path.read_bytes() for path in (layout.node_cert(Region.TIANJIN), layout.node_key(Region.TIANJIN))}
    untouched = layout.broker_cert.read_bytes()

    assert rotate(tmp_path, ["tianjin"]) == ["node-tianjin", "answer-tianjin"]

    assert layout.ca_cert.read_bytes() == ca_before
    assert layout.broker_cert.read_bytes() == untouched
    new = cert(layout.node_cert(Region.TIANJIN))
    assert new.serial_number != cert_from_bytes(old[layout.node_cert(Region.TIANJIN)]).serial_number
    new.verify_directly_issued_by(cert(layout.ca_cert))
    [retired] = (tmp_path / "retired").iterdir()
    for path, data in old.items():
        assert (retired / path.name).read_bytes() == data
        assert file_mode(retired / path.name) == 0o600
    # The old certificate is still valid under the same CA until it expires: parties restart one by one.
    cert_from_bytes(old[layout.node_cert(Region.TIANJIN)]).verify_directly_issued_by(cert(layout.ca_cert))


def test_rotation_needs_the_ca_key(tmp_path: Path) -> None:
    layout = ensure_dev_pki(tmp_path)
    layout.ca_key.unlink()
    with pytest.raises(PkiError, match=r"ca-key\.pem: missing"):
        rotate(tmp_path)


def test_reinit_makes_a_new_ca_and_keeps_the_old_one(tmp_path: Path) -> None:
    layout = ensure_dev_pki(tmp_path)
    old_ca = layout.ca_cert.read_bytes()
    reinit(tmp_path)
    assert layout.ca_cert.read_bytes() != old_ca
    cert(layout.broker_cert).verify_directly_issued_by(cert(layout.ca_cert))
    [retired] = (tmp_path / "retired").iterdir()
    assert (retired / "ca.pem").read_bytes() == old_ca


def cert_from_bytes(data: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(data)
