"""How a node gets the broker's public keys: a JWKS document (RFC 7517) from a file or an ``http(s)`` URL.

Given by configuration (``jjj adapter serve --broker-jwks FILE|URL``). Re-read on demand — the warrant check asks
when a warrant names a kid it does not know, i.e. after the broker rotated its key — but at most every
``refresh_interval_s``, so a forger's made-up kids cannot make the node hammer the broker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from joserfc.jwk import KeySet

from consent.warrants import UNKNOWN_KEY, WarrantInvalid, load_jwks

log = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 30.0
_FETCH_TIMEOUT_S = 5.0

T = TypeVar("T")


class BrokerJwks:
    """The broker's public keys from a JWKS file or an ``http(s)://`` URL; re-read on demand, rate-limited."""

    def __init__(self, source: str, keys: KeySet, *, refresh_interval_s: float = REFRESH_INTERVAL_S) -> None:
        self.source = source
        self._keys = keys
        self._loaded = time.monotonic()
        self._interval = refresh_interval_s

    @classmethod
    async def load(cls, source: str, *, refresh_interval_s: float = REFRESH_INTERVAL_S) -> BrokerJwks:
        """Read ``source`` once; raises ``ValueError`` (or ``OSError``) naming it when it is no usable JWKS."""
        return cls(source, await asyncio.to_thread(_read_jwks, source), refresh_interval_s=refresh_interval_s)

    @property
    def keys(self) -> KeySet:
        return self._keys

    async def refresh(self) -> bool:
        """Re-read the source unless that was done less than ``refresh_interval_s`` ago; True if re-read."""
        if time.monotonic() - self._loaded < self._interval:
            return False
        self._loaded = time.monotonic()
        try:
            self._keys = await asyncio.to_thread(_read_jwks, self.source)
        except (OSError, ValueError) as exc:
            log.warning("broker JWKS %s could not be re-read (%s); keeping the keys we have", self.source, exc)
            return False
        return True

    async def verified(self, check: Callable[[KeySet], T]) -> T:
        """``check(keys)``; when it fails for an unknown ``kid`` the broker may have rotated its key since the JWKS
        was read: re-read it (rate-limited, :meth:`refresh`) and check once more. Every kind of warrant goes
        through here, so key rotation is handled in one place."""
        try:
            return check(self._keys)
        except WarrantInvalid as exc:
            if str(exc) != UNKNOWN_KEY or not await self.refresh():
                raise
            return check(self._keys)


def _read_jwks(source: str) -> KeySet:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=_FETCH_TIMEOUT_S) as response:  # noqa: S310 - http(s) only
            raw = response.read()
    else:
        raw = Path(source).read_bytes()
    try:
        return load_jwks(json.loads(raw))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"broker JWKS {source}: {exc}") from None
