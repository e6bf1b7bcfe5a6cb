"""Objection errors, each with its HTTP status; a node's refusal translated at the boundary."""

from __future__ import annotations

import re

from adapters.ticket_client import TicketCallFailed
from broker.errors import ApiError, InvalidRequest, NotFound

_FIELD = re.compile(r"^([a-z_]+(?:\[\d+\])?):")


class RegionUnreachable(ApiError):
    status = 503
    code = "region_unavailable"


class RegionRefusedTicket(ApiError):
    status = 502
    code = "region_refused"


def translate(exc: TicketCallFailed) -> ApiError:
    """What the subject is told when the owning node refused or could not be reached."""
    field_match = _FIELD.match(exc.message)
    field = field_match.group(1) if field_match else None
    if exc.code == "NOT_FOUND":
        return NotFound(f"{exc.region.value}: {exc.message}", field=field or "record_id")
    if exc.code == "INVALID_ARGUMENT":
        return InvalidRequest(f"{exc.region.value}: {exc.message}", field=field)
    if exc.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNIMPLEMENTED"):
        return RegionUnreachable(f"{exc.region.value}: the region's platform did not answer; try again later")
    return RegionRefusedTicket(f"{exc.region.value}: the region refused the request ({exc.code})")
