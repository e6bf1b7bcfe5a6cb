"""Telling "the node is down" from "whoever answers is not the node": the identity probe behind the client.

gRPC reports a failed TLS handshake as ``UNAVAILABLE``, exactly like a refused connection, and its message text
is not an interface. But the two must not be confused: a region that is down is ``unavailable``; an address
answered by a certificate of another region, of another CA, or by plaintext is ``refused`` (issue 10: a forged
clean answer is worse than a region being down). So on ``UNAVAILABLE`` the client asks :class:`IdentityProbe`,
which dials the same address with Python's :mod:`ssl`, the same CA and the same client certificate, and reads
what the peer claims:

* no TCP connection (refused, timed out, no route) → ``None``: not an identity failure, the region is down;
* a certificate the CA did not issue, expired, or not a server certificate → a reason;
* no TLS at all (plaintext gRPC, another protocol) → a reason;
* a valid certificate naming another region (or no region, or without the region's DNS name) → a reason such as
  ``certificate names region 120000, expected 110000``;
* a valid certificate of the right region, but the node then closes the connection (it did not accept the
  broker's certificate) → a reason; the node sending its HTTP/2 settings means it accepted us → ``None``.

A verdict is cached for :data:`CACHE_S` and concurrent callers share one probe in flight, so a flood of failing
requests costs one handshake per interval, not one per request. The probe sends nothing but a TLS handshake.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.identity import region_dns, region_mismatch
from adapters.tls_material import TlsMaterial
from merge.regions import Region

log = logging.getLogger(__name__)

CACHE_S = 5.0
_MAX_PROBE_S = 2.0
#: How long to wait after the handshake for the node's first HTTP/2 frame (it sends SETTINGS at once).
_FIRST_FRAME_S = 0.5
#: OpenSSL verify codes for a chain that does not lead to our CA.
_UNKNOWN_ISSUER = {2, 18, 19, 20, 21}
_EXPIRED, _NOT_YET_VALID, _WRONG_PURPOSE = 10, 9, 26


def split_target(target: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``dns:///host:port`` → (host, port); ``ValueError`` otherwise."""
    rest = target.removeprefix("dns:///")
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"target {target!r}: expected host:port")
    return host.removeprefix("[").removesuffix("]"), int(port)


@dataclass(frozen=True, slots=True)
class _Verdict:
    reason: str | None
    at: float


def _verify_reason(exc: ssl.SSLCertVerificationError) -> str:
    code = exc.verify_code
    if code in _UNKNOWN_ISSUER:
        return f"certificate not issued by the federation CA ({exc.verify_message})"
    if code in (_EXPIRED, _NOT_YET_VALID):
        return f"certificate not valid now ({exc.verify_message})"
    if code == _WRONG_PURPOSE:
        return "certificate is not a TLS server certificate"
    return f"certificate rejected: {exc.verify_message}"


def _subject_alt_names(peer: dict[str, Any]) -> list[tuple[str, str]]:
    entries = peer.get("subjectAltName", ())
    return [(str(entry[0]), str(entry[1])) for entry in entries if isinstance(entry, tuple) and len(entry) == 2]


def probe_identity(host: str, port: int, region: Region, context: ssl.SSLContext, timeout: float) -> str | None:
    """One probe (blocking; run it in a thread): ``None`` if nothing is wrong with who answers, else why."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None  # down or unreachable: not an identity question
    try:
        with context.wrap_socket(sock, server_hostname=region_dns(region)) as tls:
            sans = _subject_alt_names(tls.getpeercert() or {})
            uris = [value for kind, value in sans if kind == "URI"]
            mismatch = region_mismatch(uris, region)
            if mismatch is not None:
                return mismatch
            if ("DNS", region_dns(region)) not in sans:
                return f"certificate lacks the DNS name {region_dns(region)}"
            tls.settimeout(_FIRST_FRAME_S)
            try:
                first = tls.recv(1)
            except TimeoutError:
                return None
            except (ssl.SSLError, OSError):
                first = b""
            return None if first else "node did not accept the broker's certificate"
    except ssl.SSLCertVerificationError as exc:
        return _verify_reason(exc)
    except ssl.SSLError as exc:
        if "ALERT" in (exc.reason or ""):
            return f"node refused the TLS handshake ({exc.reason})"
        return f"no TLS on this address ({exc.reason or 'handshake failed'})"
    except TimeoutError:
        return None
    except OSError:
        return "connection closed during the TLS handshake"


class IdentityProbe:
    """Cached, shared identity probes of one region's address (see the module docstring)."""

    def __init__(
        self,
        region: Region,
        target: str,
        context: ssl.SSLContext,
        *,
        cache_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.region = region
        self._host, self._port = split_target(target)
        self._context = context
        self._cache_s = cache_s
        self._clock = clock
        self._verdict: _Verdict | None = None
        self._running: asyncio.Task[str | None] | None = None
        self.probes = 0  # how many probes really ran (tests check the cache)

    async def reason(self, *, timeout: float) -> str | None:
        """Why the peer at the target is not this region's node, or ``None`` (down, or nothing wrong)."""
        now = self._clock()
        if self._verdict is not None and now - self._verdict.at < self._cache_s:
            return self._verdict.reason
        if self._running is None:
            self._running = asyncio.create_task(self._probe(min(max(timeout, 0.05), _MAX_PROBE_S)))
        return await asyncio.shield(self._running)

    async def _probe(self, timeout: float) -> str | None:
        try:
            self.probes += 1
            reason = await asyncio.to_thread(
                probe_identity, self._host, self._port, self.region, self._context, timeout
            )
            self._verdict = _Verdict(reason, self._clock())
            if reason is not None:  # once per probe, not once per refused request
                log.warning("region %s at %s:%d refused: %s", self.region.value, self._host, self._port, reason)
            return reason
        finally:
            self._running = None


def probe_context(material: TlsMaterial) -> ssl.SSLContext:
    """An :mod:`ssl` client context trusting ``material``'s CA and presenting the broker's certificate, as gRPC
    does (ALPN ``h2``). Host names are not checked by :mod:`ssl`: the probe compares them itself, so that its
    reason can say which region answered."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(cadata=material.root_ca.decode("ascii"))
    # ssl loads a client certificate only from files: the ones the material was read from.
    context.load_cert_chain(material.source.cert, material.source.key)
    context.set_alpn_protocols(["h2"])
    return context
