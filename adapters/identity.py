"""Who is who on the broker↔node link: the names the federation CA puts in certificates (issue 10).

The identity scheme, one rule per party:

* A **region node** has a TLS certificate (ECDSA P-256, EKU ``serverAuth`` only) whose subjectAltName holds
  the URI ``urn:jjj:region:<division code>`` and the DNS name ``region-<division code>.jjj.internal``. The URI is
  the identity (it is what the broker's probe and any later check compare: one parse, no hostname rules); the
  DNS name exists because gRPC checks the server name and nothing else, so the broker dials every node with
  ``grpc.ssl_target_name_override`` set to that DNS name and gRPC itself refuses a certificate of another
  region. The node's network address never matters: a certificate is tied to a region, not to a host.
* The **broker** has a client certificate (P-256, EKU ``clientAuth`` only) with the URI ``urn:jjj:broker`` and no
  DNS name, so it cannot serve as a node. Nodes answer queries only to a peer that presents that URI.
* Each region also has an **answer-signing** certificate (Ed25519, EKU ``documentSigning`` RFC 9336, the same
  region URI, no DNS name): protocol v2 will make nodes sign their answers with it. The EKU keeps it out of TLS
  (neither ``serverAuth`` nor ``clientAuth``).

The EKUs keep the roles apart in TLS itself (OpenSSL/BoringSSL check ``clientAuth`` on client certificates and
``serverAuth`` on server certificates), so a node's certificate cannot query another node; the URI check on the
node is the rule stated in our code, beside it.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from merge.regions import Region

URN_PREFIX = "urn:jjj:"
REGION_URI_PREFIX = URN_PREFIX + "region:"
BROKER_URI = URN_PREFIX + "broker"
DNS_SUFFIX = ".jjj.internal"
#: id-kp-documentSigning (RFC 9336): what the answer-signing certificates are for, and only that.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH


def region_uri(region: Region) -> str:
    """``urn:jjj:region:120000``: the identity a region's certificates carry."""
    return REGION_URI_PREFIX + region.code


def region_dns(region: Region) -> str:
    """``region-120000.jjj.internal``: the server name the broker asks gRPC to check for ``region``."""
    return f"region-{region.code}{DNS_SUFFIX}"


def uris_of(cert: x509.Certificate) -> list[str]:
    """The certificate's subjectAltName URIs (empty when it has none)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(uri) for uri in san.get_values_for_type(x509.UniformResourceIdentifier)]


def region_codes_named(uris: list[str]) -> list[str]:
    """The division codes named by ``urn:jjj:region:<code>`` URIs, in order."""
    return [uri.removeprefix(REGION_URI_PREFIX) for uri in uris if uri.startswith(REGION_URI_PREFIX)]


def region_mismatch(uris: list[str], expected: Region) -> str | None:
    """Why a peer with these SAN URIs is not ``expected``'s node, or ``None`` when it is exactly that region.

    A certificate naming two regions is refused too: one certificate, one region.
    """
    codes = region_codes_named(uris)
    if codes == [expected.code]:
        return None
    if not codes:
        return f"certificate names no region, expected {expected.code}"
    return f"certificate names region {', '.join(codes)}, expected {expected.code}"


def extended_key_usages(cert: x509.Certificate) -> list[ObjectIdentifier]:
    try:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return []
