"""Loading TLS files before listening or dialling: each unusable file is named with the setting behind it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.pki import PkiLayout
from adapters.pki_files import PkiError
from adapters.tls_material import TlsSource, load_broker_tls, load_node_tls
from merge.regions import Region


def node_source(pki: PkiLayout, region: Region, **changes: Path) -> TlsSource:
    paths = {"cert": pki.node_cert(region), "key": pki.node_key(region), "ca": pki.ca_cert} | changes
    return TlsSource(paths["cert"], paths["key"], paths["ca"], "--tls-cert", "--tls-key", "--tls-ca")


def test_a_genuine_node_certificate_loads(pki: PkiLayout) -> None:
    material = load_node_tls(node_source(pki, Region.HEBEI), Region.HEBEI)
    assert material.cert_chain == pki.node_cert(Region.HEBEI).read_bytes()
    assert material.root_ca == pki.ca_cert.read_bytes()


def test_a_missing_file_is_named_with_its_setting(pki: PkiLayout, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(PkiError, match=rf"^{missing}: no such file \(set by --tls-key; create one with"):
        load_node_tls(node_source(pki, Region.HEBEI, key=missing), Region.HEBEI)


def test_a_node_refuses_to_serve_with_another_regions_certificate(pki: PkiLayout) -> None:
    source = node_source(pki, Region.TIANJIN)
    reason = r"certificate names region 120000, expected 110000 \(this node serves beijing\)"
    with pytest.raises(PkiError, match=reason):
        load_node_tls(source, Region.BEIJING)


def test_a_key_of_another_certificate_is_refused(pki: PkiLayout) -> None:
    source = node_source(pki, Region.HEBEI, key=pki.node_key(Region.BEIJING))
    with pytest.raises(PkiError, match="is not the key of"):
        load_node_tls(source, Region.HEBEI)


def test_a_certificate_from_another_ca_is_refused(pki: PkiLayout, foreign_pki: PkiLayout) -> None:
    source = node_source(foreign_pki, Region.HEBEI, ca=pki.ca_cert)
    with pytest.raises(PkiError, match=r"not issued by the CA in .*ca\.pem \(set by --tls-ca\)"):
        load_node_tls(source, Region.HEBEI)


def test_two_cas_may_be_trusted_during_a_ca_rotation(pki: PkiLayout, foreign_pki: PkiLayout, tmp_path: Path) -> None:
    both = tmp_path / "cas.pem"
    both.write_bytes(pki.ca_cert.read_bytes() + foreign_pki.ca_cert.read_bytes())
    load_node_tls(node_source(foreign_pki, Region.HEBEI, ca=both), Region.HEBEI)
    load_node_tls(node_source(pki, Region.HEBEI, ca=both), Region.HEBEI)


def test_roles_do_not_mix(pki: PkiLayout) -> None:
    broker_as_node = TlsSource(pki.broker_cert, pki.broker_key, pki.ca_cert)
    with pytest.raises(PkiError, match="not a TLS server certificate"):
        load_node_tls(broker_as_node, Region.BEIJING)
    node_as_broker = node_source(pki, Region.BEIJING)
    with pytest.raises(PkiError, match="not a TLS client certificate"):
        load_broker_tls(node_as_broker)
    answer_key_as_node = TlsSource(pki.answer_cert(Region.BEIJING), pki.answer_key(Region.BEIJING), pki.ca_cert)
    with pytest.raises(PkiError, match="not a TLS server certificate"):
        load_node_tls(answer_key_as_node, Region.BEIJING)


def test_garbage_is_named(pki: PkiLayout, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(PkiError, match=rf"{junk}: not a PEM certificate"):
        load_node_tls(node_source(pki, Region.HEBEI, cert=junk), Region.HEBEI)
    with pytest.raises(PkiError, match=rf"{junk}: not an unencrypted PEM private key"):
        load_node_tls(node_source(pki, Region.HEBEI, key=junk), Region.HEBEI)


def test_a_key_readable_by_others_is_warned_about(
    pki: PkiLayout, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lax = tmp_path / "lax-key.pem"
    shutil.copy(pki.node_key(Region.HEBEI), lax)
    lax.chmod(0o644)
    load_node_tls(node_source(pki, Region.HEBEI, key=lax), Region.HEBEI)
    assert "readable by group or others" in caplog.text
