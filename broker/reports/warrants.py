"""The broker's side of query warrants: sign one per regional call with the key ring's active key.

Contract: :meth:`WarrantIssuer.issue` returns a warrant (:mod:`consent.warrants`) for exactly one region, the
authority's subject, grant, grantee and purpose, and the query's edition and window, living ``lifetime_s``
(≤ 60 s) from ``now``. The token travels only broker → node inside the gRPC request; log its ``jti``, never it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from broker.keys import KeyRing
from consent.authority import QueryAuthority
from consent.warrants import MAX_LIFETIME_S, issue_warrant, new_jti
from merge.editions import Edition
from merge.regions import Region


@dataclass(frozen=True, slots=True)
class SignedWarrant:
    region: Region
    jti: str
    token: bytes

    def __repr__(self) -> str:  # the token names the subject: keep it out of reprs and logs
        return f"SignedWarrant(region={self.region.value!r}, jti={self.jti!r})"


class WarrantIssuer:
    """Signs warrants as ``issuer`` (the broker's public URL) with the active key of ``keyring``."""

    def __init__(self, keyring: KeyRing, *, issuer: str, lifetime_s: int = 30) -> None:
        if not 1 <= lifetime_s <= MAX_LIFETIME_S:
            raise ValueError(f"lifetime_s: must be between 1 and {MAX_LIFETIME_S}")
        self._keyring = keyring
        self._issuer = issuer
        self._lifetime_s = lifetime_s

    def issue(
        self,
        region: Region,
        authority: QueryAuthority,
        *,
        edition: Edition,
        window_from: date,
        window_to: date,
        now: datetime,
    ) -> SignedWarrant:
        jti = new_jti()
        token = issue_warrant(
            self._keyring.active,
            issuer=self._issuer,
            region_code=region.code,
            subject=authority.subject,
            grant_id=authority.grant_id,
            grantee=authority.grantee_id,
            purpose=authority.purpose,
            edition=edition,
            window_from=window_from,
            window_to=window_to,
            now=now,
            lifetime_s=self._lifetime_s,
            jti=jti,
        )
        return SignedWarrant(region=region, jti=jti, token=token.encode("ascii"))
