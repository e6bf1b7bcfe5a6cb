"""Why a region did not answer: the exceptions :class:`adapters.client.AdapterClient` raises.

gRPC status codes are translated into these at the client boundary (DESIGN.md, "errors translated at the
boundary"), so nothing above the client ever sees a ``grpc`` exception. Each failure knows the
:class:`~merge.answers.RegionStatus` it stands for and can render itself as the region's answer, which keeps
invariant 1 mechanical: a failed region becomes an unanswered region, never a clean one.

``reason`` is short and operator-facing (a status name, a count mismatch); it never carries record content or
a full resident ID.
"""

from __future__ import annotations

from typing import ClassVar

from merge.answers import RegionAnswer, RegionStatus
from merge.regions import Region


class RegionFailure(Exception):
    """A region gave no acceptable answer. Subclasses fix :attr:`status`."""

    status: ClassVar[RegionStatus] = RegionStatus.ERROR

    def __init__(self, region: Region, reason: str, *, latency_ms: float = 0.0, cause: str | None = None) -> None:
        super().__init__(f"{region.value} ({region.code}) {self.status.value}: {reason}")
        self.region = region
        self.reason = reason
        self.latency_ms = latency_ms
        #: The node's own machine-readable cause, when it stated one (a refusal's ``x-jjj-refusal`` trailer).
        self.cause = cause

    def to_answer(self) -> RegionAnswer:
        """The region's entry in the merge input: its status and reason, and no records."""
        return RegionAnswer(
            region_code=self.region.code,
            status=self.status,
            latency_ms=max(self.latency_ms, 0.0),
            error=self.reason,
            refusal=self.cause,
        )


class RegionUnavailable(RegionFailure):
    """The node is down or unreachable (gRPC ``UNAVAILABLE``)."""

    status = RegionStatus.UNAVAILABLE


class RegionTimeout(RegionFailure):
    """No complete answer within the deadline (gRPC ``DEADLINE_EXCEEDED``)."""

    status = RegionStatus.TIMED_OUT


class RegionRefused(RegionFailure):
    """The node declined the query (``PERMISSION_DENIED`` / ``UNAUTHENTICATED``, e.g. a rejected warrant)."""

    status = RegionStatus.REFUSED


class RegionError(RegionFailure):
    """The node failed or sent what we cannot accept: a protocol violation, bad data, an internal error."""

    status = RegionStatus.ERROR
