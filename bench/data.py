"""Synthetic records of one enterprise in the three regions, as a node would send them for a report.

Records come from the seed's :class:`adapters.seed_records.RecordWriter` (realistic content, unique natural
keys) and are kept only if the node would send them for a standard-edition query made today (in the window and
shown by the edition, in a domain the region covers), so a subject "with N records per region" yields a report
with 3 × N records (fewer only if two happen to share a natural key, which the merge counts once).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from adapters.seed_records import RecordWriter
from adapters.seed_subjects import make_subject
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord, shows
from merge.editions import Edition
from merge.identifiers import SubjectKind
from merge.regions import REGION_ORDER, Region
from merge.window import compute_window

EDITION = Edition.STANDARD
WINDOW_YEARS = 3
PURPOSE = "bidding"
_CST = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class SubjectData:
    """One enterprise and the records each region holds on it (every one of them reaches the report)."""

    identifier: str
    name: str
    records: dict[Region, list[AnyRecord]]

    @property
    def total(self) -> int:
        return sum(len(r) for r in self.records.values())

    def request_body(self) -> dict[str, object]:
        """The ``POST /v1/reports`` body asking for this subject's report."""
        return {"subject": self.identifier, "edition": EDITION.value, "window_years": WINDOW_YEARS, "purpose": PURPOSE}


def subjects_data(*per_region: int, seed: int = 2026) -> list[SubjectData]:
    """Several enterprises whose records can share the same stores: one writer per region numbers all their
    decisions, so no two records share a natural key (a store keeps only the first of those)."""
    today = datetime.now(_CST).date()
    writers = {region: RecordWriter(region, today) for region in REGION_ORDER}
    return [subject_data(count, seed=seed, writers=writers) for count in per_region]


def subject_data(
    per_region: int, *, seed: int = 2026, writers: dict[Region, RecordWriter] | None = None
) -> SubjectData:
    """An enterprise with ``per_region`` reportable records in each of the three regions (deterministic)."""
    today = datetime.now(_CST).date()
    window_from, window_to = compute_window(today, WINDOW_YEARS, EDITION, 0)
    rng = random.Random(f"jjj-bench:{seed}:{per_region}")
    subject = make_subject(rng, Region.TIANJIN, SubjectKind.ENTERPRISE, allow_individual=False)
    by_region: dict[Region, list[AnyRecord]] = {}
    for region in REGION_ORDER:
        # Dates count back up to six years: draw more than needed and keep the ones the report will show.
        writer = writers[region] if writers is not None else RecordWriter(region, today)
        kept: list[AnyRecord] = []
        while len(kept) < per_region:
            for record in writer.records(rng, subject, max(8, per_region)):
                if _reportable(record, region, window_from, window_to) and len(kept) < per_region:
                    kept.append(record)
        by_region[region] = kept
    return SubjectData(subject.identifier, subject.name, by_region)


def _reportable(record: AnyRecord, region: Region, window_from: date, window_to: date) -> bool:
    # What the node sends: in the window, shown by the edition, in a domain the node covers.
    in_window = window_from <= record.event_date <= window_to
    return in_window and shows(record, EDITION, as_of=window_to) and record.domain in DEFAULT_COVERAGE[region]
