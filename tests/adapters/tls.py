"""TLS helpers for the adapter tests: the material and channels a node and the broker use, from a test PKI."""

from __future__ import annotations

from pathlib import Path

import grpc

from adapters.answer_signing import AnswerSigner
from adapters.identity import region_dns
from adapters.pki import PkiLayout
from adapters.tls_material import TlsMaterial, TlsSource, load_broker_tls, load_material, load_node_tls
from merge.regions import Region


def node_tls(pki: PkiLayout, region: Region = Region.TIANJIN) -> TlsMaterial:
    """``region``'s node material from ``pki`` (checked as a node checks it at start)."""
    return load_node_tls(TlsSource(pki.node_cert(region), pki.node_key(region), pki.ca_cert), region)


def broker_tls(pki: PkiLayout) -> TlsMaterial:
    return load_broker_tls(TlsSource(pki.broker_cert, pki.broker_key, pki.ca_cert))


def raw_tls(cert: str, key: str, ca: str) -> TlsMaterial:
    """Any certificate and key, unchecked (for peers that should be refused)."""
    return load_material(TlsSource(Path(cert), Path(key), Path(ca)))


def channel(target: str, material: TlsMaterial | None, region: Region = Region.TIANJIN) -> grpc.aio.Channel:
    """A channel as the broker opens it (TLS with ``material``, server name of ``region``), or plaintext."""
    if material is None:
        return grpc.aio.insecure_channel(target)
    credentials = grpc.ssl_channel_credentials(material.root_ca, material.private_key, material.cert_chain)
    return grpc.aio.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", region_dns(region))])


def answer_signer(pki: PkiLayout, region: Region = Region.TIANJIN) -> AnswerSigner:
    """``region``'s answer signer from ``pki`` (checked as a node checks it at start)."""
    return AnswerSigner.from_directory(pki, region)
