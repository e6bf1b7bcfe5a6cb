"""What one region answered (or failed to answer) to one query: the input of the merge."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from merge.records import Record


class RegionStatus(StrEnum):
    ANSWERED = "answered"
    UNAVAILABLE = "unavailable"  # node down or unreachable
    TIMED_OUT = "timed_out"  # no complete answer within the request's deadline
    REFUSED = "refused"  # the node declined (e.g. warrant rejected)
    ERROR = "error"  # the node failed or sent something we could not accept


class RegionAnswer(BaseModel):
    """One region's outcome. ``records`` and ``covered_domains`` mean something only when ``answered``.

    ``error`` is a short operator-facing reason (a status name, a count mismatch) and never carries record
    content.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    region_code: str
    status: RegionStatus
    latency_ms: float = Field(ge=0)
    data_as_of: datetime | None = None
    covered_domains: frozenset[str] = frozenset()
    records: tuple[Record, ...] = ()
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.status is RegionStatus.ANSWERED
