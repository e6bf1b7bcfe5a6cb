"""What one region answered (or failed to answer) to one query: the input of the merge."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidatorFunctionWrapHandler, field_validator

from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, Record

_RECORD_TYPES = frozenset({Penalty, DishonestyListEntry, CoerciveMeasure})


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

    @field_validator("records", mode="wrap")
    @classmethod
    def _records_built_already(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # The gRPC client hands over records it has just built and validated (adapters.convert): pydantic
        # would only check that each is an instance, one by one, which was most of this model's cost for a
        # 10,000-record region. One C-level pass over the item types gives the same answer; anything else
        # (dicts, subclasses, JSON) goes through the full validation.
        if type(value) in (tuple, list) and set(map(type, value)) <= _RECORD_TYPES:
            return tuple(value)
        return handler(value)

    @property
    def answered(self) -> bool:
        return self.status is RegionStatus.ANSWERED
