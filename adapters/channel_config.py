"""How the broker's channel to a region and the node's server treat the link: keepalive, retries, balancing.

Keepalive, both sides, consistent (gRPC's keepalive guide, A8/A9): the client pings an idle connection every
:data:`CLIENT_KEEPALIVE_MS` and drops it when no answer comes within :data:`CLIENT_KEEPALIVE_TIMEOUT_MS`, so a
connection to a frozen or vanished node is found dead in ~15 s instead of after TCP's minutes; the node accepts
pings as often as every :data:`SERVER_MIN_PING_INTERVAL_MS`. The client's interval must be at least the server's
minimum: a client that pings more often is sent ``GOAWAY too_many_pings`` and *every* call on the connection
fails — the outage the keepalive was meant to shorten. :func:`client_options` refuses such a pair.

Retries: the service config has **no** retry policy (gRPC A6). Its retries resend the same request, and a call
a replica had accepted before it died carries a warrant already spent in the region's shared replay log, so the
retry would be refused as a replay. :class:`broker.reports.retries.RetryingFetcher` retries ``UNAVAILABLE``
instead, each attempt with a fresh warrant. gRPC's *transparent* retries stay (on by ``grpc.enable_retries``):
they resend only a call that never left the client, which no node has seen.

Balancing (issue 13): a region's address may name several replicas (``ipv4:127.0.0.1:50051,127.0.0.1:50061``
or ``dns:///node.region:50051``): ``round_robin`` spreads calls across them, and ``healthCheckConfig`` makes the
channel watch each replica's ``grpc.health.v1`` status, so one that says ``NOT_SERVING`` (stopping) or is gone
gets no calls. gRPC-core does the client health checking itself once the service config asks for it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import grpc

from adapters.convert import SERVICE_NAME
from adapters.identity import region_dns

if TYPE_CHECKING:
    from adapters.tls_material import TlsMaterial
    from merge.regions import Region

CLIENT_KEEPALIVE_MS = 10_000
CLIENT_KEEPALIVE_TIMEOUT_MS = 5_000
SERVER_MIN_PING_INTERVAL_MS = 5_000
#: The node's own pings to an idle broker connection (finds a dead broker's half-open connections).
SERVER_KEEPALIVE_MS = 30_000
SERVER_KEEPALIVE_TIMEOUT_MS = 10_000
#: Largest answer document a node may send (a 10,000-record region answers about 3 MB).
MAX_ANSWER_BYTES = 64 * 1024 * 1024
#: The broker's receive limit: an answer is one message (the document, its signature and certificate).
MAX_MESSAGE_BYTES = MAX_ANSWER_BYTES + 64 * 1024

#: The request id travels as gRPC metadata too (DESIGN.md, observability); the node echoes it in its trailers.
REQUEST_ID_METADATA = "x-request-id"
#: A refusing node may state its cause in machine form in this trailer, beside the human-readable details.
REFUSAL_METADATA = "x-jjj-refusal"
#: …the subject is not on the list the edition is restricted to (or the node holds no such list).
REFUSAL_NOT_LISTED = "not_listed"

Options = tuple[tuple[str, Any], ...]


def service_config() -> dict[str, Any]:
    """The channel's service config (JSON in the ``grpc.service_config`` option)."""
    return {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": SERVICE_NAME},
    }


def client_options(
    keepalive_ms: int = CLIENT_KEEPALIVE_MS, server_min_ping_ms: int = SERVER_MIN_PING_INTERVAL_MS
) -> Options:
    """The broker channel's options. ``ValueError`` when the keepalive would be rejected by the node."""
    if keepalive_ms < server_min_ping_ms:
        raise ValueError(
            f"keepalive: the client pings every {keepalive_ms} ms but the node accepts pings only every "
            f"{server_min_ping_ms} ms; it would answer GOAWAY too_many_pings"
        )
    return (
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        # A node that was down should be retried within seconds, not after gRPC's default 2-minute backoff cap.
        ("grpc.initial_reconnect_backoff_ms", 500),
        ("grpc.max_reconnect_backoff_ms", 5000),
        ("grpc.keepalive_time_ms", keepalive_ms),
        ("grpc.keepalive_timeout_ms", CLIENT_KEEPALIVE_TIMEOUT_MS),
        # Ping idle connections too: the next report should not be the one that finds the connection dead.
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.enable_retries", 1),
        ("grpc.service_config", json.dumps(service_config())),
    )


def region_channel(region: Region, target: str, tls: TlsMaterial | None, options: Options) -> grpc.aio.Channel:
    """The broker's channel to ``region``'s node at ``target``: mTLS with the broker's certificate, the server's
    DNS SAN checked against the region's name (not against the address dialled), or plaintext when ``tls`` is
    ``None`` (development only; the caller says so)."""
    if tls is None:
        return grpc.aio.insecure_channel(target, options=options)
    credentials = grpc.ssl_channel_credentials(tls.root_ca, tls.private_key, tls.cert_chain)
    return grpc.aio.secure_channel(
        target, credentials, options=(*options, ("grpc.ssl_target_name_override", region_dns(region)))
    )


def server_options() -> Options:
    """The node server's keepalive options (beside ``grpc.so_reuseport`` 0, :mod:`adapters.server_tls`)."""
    return (
        ("grpc.keepalive_time_ms", SERVER_KEEPALIVE_MS),
        ("grpc.keepalive_timeout_ms", SERVER_KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", SERVER_MIN_PING_INTERVAL_MS),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", SERVER_MIN_PING_INTERVAL_MS),
        ("grpc.http2.max_ping_strikes", 2),
    )


def target_addresses(target: str) -> list[str]:
    """The ``host:port`` addresses a target names: one for ``host:port`` and ``dns:///host:port``, each of an
    ``ipv4:`` / ``ipv6:`` list. ``ValueError`` for an empty list."""
    for scheme in ("ipv4:", "ipv6:"):
        if target.startswith(scheme):
            addresses = [part.strip() for part in target.removeprefix(scheme).split(",") if part.strip()]
            if not addresses:
                raise ValueError(f"target {target!r}: no address after {scheme}")
            return addresses
    return [target.removeprefix("dns:///")]
