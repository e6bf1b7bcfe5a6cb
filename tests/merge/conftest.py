"""The two merges every rule is checked against: the reference (merge.merging + merge.canonical) and the fast
path the broker calls (merge.fast.merging + merge.fast.canonical)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from merge import canonical, merging
from merge.fast import canonical as fast_canonical
from merge.fast import merging as fast_merging
from merge.report import Report


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
