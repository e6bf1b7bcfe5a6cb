"""The two merges every rule is checked against: the reference (merge.merging + merge.canonical) and the fast
path the broker calls (merge.fast.merging + merge.fast.canonical)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from merge import canonical, merging
from merge.answer_builder import unsigned_answer
from merge.answer_document import SubjectStatus
from merge.answers import RegionAnswer, RegionStatus
from merge.edition_rules import AnyRecord
from merge.fast import canonical as fast_canonical
from merge.fast import merging as fast_merging
from merge.report import Report, ReportQuery


@dataclass(frozen=True)
class Implementation:
    merge_report: Callable[..., Report]
    canonical_json: Callable[[Report], bytes]


IMPLEMENTATIONS = {
    "reference": Implementation(merging.merge_report, canonical.canonical_json),
    "fast": Implementation(fast_merging.merge_report, fast_canonical.canonical_json),
}


@pytest.fixture(scope="module", params=list(IMPLEMENTATIONS))
def implementation(request: pytest.FixtureRequest) -> Implementation:
    """Each merge in turn (module scope, so that hypothesis tests may take it too)."""
    return IMPLEMENTATIONS[request.param]


def region_answer(
    region_code: str,
    records: Iterable[AnyRecord] = (),
    *,
    query: ReportQuery,
    covered: Iterable[str] | None = None,
    data_as_of: datetime = datetime(2026, 1, 4, 16, 0, tzinfo=UTC),
    latency_ms: float = 0.0,
    subject_name: str = "",
    subject_status: SubjectStatus = SubjectStatus.NOT_REGISTERED,
    signer: str | None = "CN=test signer",
) -> RegionAnswer:
    """An answered region as the broker holds it after reading its signed document
    (:func:`merge.answer_builder.unsigned_answer`)."""
    return unsigned_answer(
        region_code, records, query=query, covered=covered or (), data_as_of=data_as_of, latency_ms=latency_ms,
        subject_name=subject_name, subject_status=subject_status, signer=signer,
    )  # fmt: skip


def not_answered(
    region_code: str, status: RegionStatus, error: str | None = "no answer", latency_ms: float = 0.0
) -> RegionAnswer:
    return RegionAnswer(region_code=region_code, status=status, latency_ms=latency_ms, error=error)
