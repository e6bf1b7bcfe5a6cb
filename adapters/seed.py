"""Deterministic, realistic synthetic records for a region (``jjj adapter seed``).

Same ``(region, subjects, seed, reference_date)`` → same records, in the same order: every subject and every
shared decision draws from its own ``random.Random`` keyed by the seed, and dates count back from
``reference_date`` (never the wall clock).

What a seed holds:

* a **shared pool** of subjects derived from the seed alone, so seeding beijing, tianjin and hebei with the same
  seed gives enterprises records in two or three regions — including decisions reported by two regions (same
  authority USCC + decision number, so the merge counts them once) — and the subjects :func:`demo_subjects` names;
* ``subjects`` region-specific subjects: enterprises (some 个体工商户) and natural persons, some with no records;
  subject 0 has 1,000+ records when ``subjects >= 20``;
* penalties of every art. 9 category, simple-procedure cases and decisions not to penalise, repaired, expired
  (公示截止期 passed) and live records, serious-dishonesty list entries (some removed), coercive measures —
  only in the domains the region covers (:data:`merge.domains.DEFAULT_COVERAGE`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from adapters.seed_records import RecordWriter
from adapters.seed_subjects import SeedSubject, make_subject
from adapters.subject_register import RegisteredSubject
from merge.answer_document import SubjectStatus
from merge.identifiers import SubjectKind
from merge.records import Record
from merge.regions import Region

REFERENCE_DATE = date(2026, 11, 1)
#: Region-specific subject 0 gets 1,000+ records from this many subjects on.
BIG_SUBJECT_FROM = 20

B, T, H = Region.BEIJING, Region.TIANJIN, Region.HEBEI


@dataclass(frozen=True, slots=True)
class DemoSubject:
    identifier: str
    name: str
    kind: SubjectKind
    note: str


@dataclass(frozen=True, slots=True)
class _Shared:
    index: int
    subject: SeedSubject
    regions: frozenset[Region]
    records: int  # per region
    dup_with: Region | None  # a second region that reports one of the home region's decisions too
    listed: bool
    note: str


# (kind, home, regions, records per region, dup_with, listed, note); the demo names these.
_LAYOUT = (
    (SubjectKind.ENTERPRISE, B, (B, T, H), 14, T, False, "records in all three regions; one decision reported twice"),
    (SubjectKind.ENTERPRISE, H, (H, B), 4, B, False, "records in Hebei and Beijing; one decision reported by both"),
    (SubjectKind.ENTERPRISE, T, (T, H), 5, None, False, "records in Tianjin and Hebei"),
    (SubjectKind.ENTERPRISE, H, (H,), 3, None, True, "on a serious-dishonesty list in Hebei, coercive measure"),
    (SubjectKind.ENTERPRISE, B, (), 0, None, False, "no records in any region"),
    (SubjectKind.PERSON, B, (B, T, H), 3, None, False, "natural person with records in all three regions"),
    (SubjectKind.PERSON, H, (), 0, None, False, "natural person with no records"),
)
_EXTRA_SHARED = 5


def _rng(seed: int, *parts: object) -> random.Random:
    # A str seed is hashed with SHA-512 by random.Random: stable across runs and PYTHONHASHSEED.
    return random.Random(":".join(["jjj-seed", str(seed), *map(str, parts)]))


def shared_pool(seed: int) -> tuple[_Shared, ...]:
    """The cross-region subjects of ``seed`` (the same for every region)."""
    pool: list[_Shared] = []
    for index, (kind, home, regions, records, dup_with, listed, note) in enumerate(_LAYOUT):
        subject = make_subject(_rng(seed, "shared", index), home, kind)
        pool.append(_Shared(index, subject, frozenset(regions), records, dup_with, listed, note))
    for index in range(len(_LAYOUT), len(_LAYOUT) + _EXTRA_SHARED):
        rng = _rng(seed, "shared", index)
        home = rng.choice((B, T, H))
        subject = make_subject(rng, home, SubjectKind.ENTERPRISE)
        others = rng.sample([r for r in (B, T, H) if r is not home], rng.randint(0, 2))
        pool.append(_Shared(index, subject, frozenset({home, *others}), rng.randint(1, 4), None, False, "shared"))
    return tuple(pool)


def region_subject(region: Region, seed: int, index: int) -> tuple[SeedSubject, random.Random]:
    """Region-specific subject ``index`` and the generator of its records; independent of the subject count."""
    rng = _rng(seed, region.value, "subject", index)
    kind = SubjectKind.PERSON if index != 0 and rng.random() < 0.2 else SubjectKind.ENTERPRISE
    # Subject 0 may hold 1,000+ records: make it a company rather than a corner shop.
    return make_subject(rng, region, kind, allow_individual=index != 0), rng


def generate(region: Region, subjects: int, seed: int, reference_date: date = REFERENCE_DATE) -> Iterator[Record]:
    """The seed's records for ``region``, lazily (a large seed never sits in memory as a whole)."""
    writer = RecordWriter(region, reference_date)
    for shared in shared_pool(seed):
        if region in shared.regions:
            rng = _rng(seed, "shared", shared.index, region.value)
            yield from writer.records(rng, shared.subject, shared.records)
            if shared.listed:
                yield writer.list_entry(rng, shared.subject, removed=False)
                yield writer.coercive_measure(rng, shared.subject, lifted=False)
            if region is shared.subject.home and shared.subject.kind is SubjectKind.ENTERPRISE:
                # Its own generator: the violations above stay what earlier seeds wrote.
                yield writer.licence(_rng(seed, "licence", shared.index), shared.subject)
        if shared.dup_with is not None and region in (shared.subject.home, shared.dup_with):
            yield _reported_twice(seed, shared, region, reference_date)
    for index in range(subjects):
        subject, rng = region_subject(region, seed, index)
        if index == 0 and subjects >= BIG_SUBJECT_FROM:
            count = rng.randint(1000, 1200)
        else:
            count = 0 if rng.random() < 0.15 else min(1 + int(rng.expovariate(0.45)), 25)
        yield from writer.records(rng, subject, count)


def registered_subjects(region: Region, subjects: int, seed: int) -> list[RegisteredSubject]:
    """Every subject the seed registers in ``region``: its region-specific subjects (with records or without) and
    the shared pool's subjects whose home it is."""
    pool = [shared.subject for shared in shared_pool(seed) if shared.subject.home is region]
    own = [region_subject(region, seed, index)[0] for index in range(subjects)]
    return [
        RegisteredSubject(s.kind, s.identifier, s.name, SubjectStatus.REGISTERED)
        for s in {subject.identifier: subject for subject in [*pool, *own]}.values()
    ]


def _reported_twice(seed: int, shared: _Shared, region: Region, reference_date: date) -> Record:
    """A decision of the home region's authority, identical in the home region and ``dup_with``."""
    home_writer = RecordWriter(shared.subject.home, reference_date)
    rng = _rng(seed, "shared", shared.index, "reported-twice")
    record = home_writer.penalty(rng, shared.subject, domain="market_regulation", number=9000 + shared.index)
    return record.model_copy(update={"region_code": region.code})


def demo_subjects(seed: int) -> list[DemoSubject]:
    """Subjects worth asking about after seeding all three regions with ``seed``."""
    demo = [
        DemoSubject(s.subject.identifier, s.subject.name, s.subject.kind, s.note)
        for s in shared_pool(seed)
        if s.note != "shared"
    ]
    for region in (B, T, H):
        subject, _ = region_subject(region, seed, 0)
        note = f"1,000+ records in {region.display_name} (seeded with --subjects {BIG_SUBJECT_FROM} or more)"
        demo.append(DemoSubject(subject.identifier, subject.name, subject.kind, note))
    return demo
