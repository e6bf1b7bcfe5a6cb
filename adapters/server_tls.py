"""How a node listens (issue 10): mTLS only, one process per port, and only the broker may query.

* Credentials: the node's own certificate and key, and the federation CA that every client certificate must
  chain to (``require_client_auth=True``: no certificate, no handshake). TLS checks ``clientAuth`` on the client
  certificate, so another node's certificate fails the handshake already.
* :func:`broker_peer_refusal` is the rule stated in our code beside TLS: the peer's certificate must carry the
  URI ``urn:jjj:broker`` (gRPC gives the URI SANs of the verified peer certificate under ``peer_uri`` in
  ``context.auth_context()``). Any other client certificate the CA issued is refused with ``PERMISSION_DENIED``.
* :data:`SERVER_OPTIONS` sets ``grpc.so_reuseport`` to 0. gRPC's default turns ``SO_REUSEPORT`` on, which lets a
  second process bind the same port and take half of the connections (the attack in issue 10); with it off the
  kernel refuses the second bind, whatever that process asks for. Keepalive: :mod:`adapters.channel_config`.
"""

from __future__ import annotations

from typing import Any

import grpc

from adapters.channel_config import server_options
from adapters.identity import BROKER_URI
from adapters.tls_material import TlsMaterial

SERVER_OPTIONS: tuple[tuple[str, Any], ...] = (("grpc.so_reuseport", 0), *server_options())
_PEER_URI = "peer_uri"


def server_credentials(material: TlsMaterial) -> grpc.ServerCredentials:
    """TLS with the node's certificate; a client certificate chained to the configured CA is required."""
    return grpc.ssl_server_credentials(
        [(material.private_key, material.cert_chain)], root_certificates=material.root_ca, require_client_auth=True
    )


def peer_uris(context: grpc.aio.ServicerContext[Any, Any]) -> list[str]:
    """The URI SANs of the caller's verified certificate (empty over plaintext)."""
    values = context.auth_context().get(_PEER_URI, [])
    return [value.decode("utf-8", errors="replace") for value in values]


def broker_peer_refusal(context: grpc.aio.ServicerContext[Any, Any]) -> str | None:
    """Why this caller may not query the node, or ``None`` when its certificate names the broker."""
    uris = peer_uris(context)
    if BROKER_URI in uris:
        return None
    shown = ", ".join(uri[:80] for uri in uris[:3]) or "none"
    return f"client certificate does not name the broker (URIs: {shown})"
