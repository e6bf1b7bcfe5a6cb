"""The consent terms a third party asks for in its authorization request, beyond OAuth's own parameters.

``scope`` names the editions (``report:standard`` …); these parameters say the rest of the grant:
``purpose`` (a code from the catalogue, required), ``window_years`` (3 or 5, default 3), ``max_uses``
(1–100, default 1) and ``valid_days`` (1–366, default 30). Regions are always all three: a report asks them all.
Errors are RFC 6749 ``invalid_request`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import InvalidRequestError

from consent.clients import SCOPE_EDITIONS
from consent.grants import MAX_USES, MAX_VALIDITY
from merge.editions import PURPOSE_BY_CODE, WINDOW_YEARS, Edition, Purpose


@dataclass(frozen=True, slots=True)
class Terms:
    editions: tuple[Edition, ...]
    purpose: Purpose
    window_years: int
    max_uses: int
    valid_days: int


def _int(data: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidRequestError(f"'{name}' must be a whole number from {low} to {high}")
    return int(raw)


def parse_terms(data: Mapping[str, str]) -> Terms:
    scope = data.get("scope") or ""
    editions = tuple(dict.fromkeys(SCOPE_EDITIONS[s] for s in scope.split() if s in SCOPE_EDITIONS))
    if not editions:
        raise InvalidRequestError(f"'scope' must name at least one of {sorted(SCOPE_EDITIONS)}")
    purpose = PURPOSE_BY_CODE.get(data.get("purpose") or "")
    if purpose is None:
        raise InvalidRequestError(f"'purpose' must be one of {sorted(PURPOSE_BY_CODE)}")
    window = _int(data, "window_years", 3, min(WINDOW_YEARS), max(WINDOW_YEARS))
    if window not in WINDOW_YEARS:
        raise InvalidRequestError(f"'window_years' must be one of {sorted(WINDOW_YEARS)}")
    return Terms(
        editions=editions,
        purpose=purpose,
        window_years=window,
        max_uses=_int(data, "max_uses", 1, 1, MAX_USES),
        valid_days=_int(data, "valid_days", 30, 1, MAX_VALIDITY.days),
    )
