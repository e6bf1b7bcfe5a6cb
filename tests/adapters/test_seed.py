"""The seed generator: deterministic, valid identifiers, realistic variety, cross-region overlap, big subjects."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache

from stdnum.cn import ric, uscc

from adapters.authorities import authorities
from adapters.seed import REFERENCE_DATE, demo_subjects, generate, region_subject
from merge.domains import DEFAULT_COVERAGE
from merge.identifiers import SubjectKind
from merge.records import (
    CoerciveMeasure,
    DishonestyListEntry,
    Penalty,
    PenaltyCategory,
    Procedure,
    Record,
    RepairStatus,
)
from merge.regions import Region

SEED = 2026
SUBJECTS = 30


@cache
def seeded(region: Region, subjects: int = SUBJECTS, seed: int = SEED) -> tuple[Record, ...]:
    return tuple(generate(region, subjects, seed))


def subject_of(record: Record) -> str:
    return record.uscc or record.id_number


def test_same_arguments_same_records_and_other_seed_differs() -> None:
    assert list(generate(Region.HEBEI, 12, 5)) == list(generate(Region.HEBEI, 12, 5))
    assert list(generate(Region.HEBEI, 12, 5)) != list(generate(Region.HEBEI, 12, 6))
    # Dates count back from the reference date, never from the clock.
    later = list(generate(Region.HEBEI, 12, 5, reference_date=date(2030, 1, 1)))
    assert max(r.event_date for r in later) > REFERENCE_DATE


def test_record_ids_and_natural_keys_are_unique_per_region() -> None:
    for region in Region:
        records = seeded(region)
        assert len({r.record_id for r in records}) == len(records)
        assert len({(r.kind, r.dedup_key) for r in records}) == len(records)


def test_every_identifier_is_valid() -> None:
    # A decision reported by two regions keeps its authority, which may be the other region's.
    authority_usccs = {a.uscc for region in Region for a in authorities(region)}
    for region in Region:
        for record in seeded(region):
            assert record.region_code == region.code
            assert record.domain in DEFAULT_COVERAGE[region]
            if record.uscc:
                assert uscc.is_valid(record.uscc)
                assert record.uscc[:2] in ("91", "92")
                assert record.uscc[2:4] in ("11", "12", "13")
            else:
                assert ric.is_valid(record.id_number)
            if isinstance(record, Penalty):
                assert record.authority_uscc in authority_usccs
                assert record.authority_uscc.startswith("11")
                assert uscc.is_valid(record.authority_uscc)


def test_region_subjects_use_the_region_division_codes() -> None:
    for region, prefix in ((Region.BEIJING, "11"), (Region.TIANJIN, "12"), (Region.HEBEI, "13")):
        for index in range(SUBJECTS):
            subject, _ = region_subject(region, SEED, index)
            code = subject.identifier if subject.kind is SubjectKind.PERSON else subject.identifier[2:]
            assert code.startswith(prefix)


def test_authorities_are_named_after_real_bureaus() -> None:
    names = {a.name for region in Region for a in authorities(region)}
    assert {"天津市市场监督管理局", "北京市朝阳区生态环境局", "石家庄市应急管理局", "河北省应急管理厅"} <= names
    assert "国家税务总局天津市税务局" in names
    assert "石家庄海关" in names


def test_variety_of_records() -> None:
    for region in Region:
        records = seeded(region)
        penalties = [r for r in records if isinstance(r, Penalty)]
        categories = {c for p in penalties for c in p.categories}
        assert categories == set(PenaltyCategory), region
        assert any(p.procedure is Procedure.SIMPLE for p in penalties)
        assert any(p.not_penalised for p in penalties)
        assert any(p.repair_status is RepairStatus.REPAIRED for p in penalties)
        assert any(p.publicity_until and p.publicity_until < REFERENCE_DATE for p in penalties)  # expired
        assert any(p.publicity_until and p.publicity_until >= REFERENCE_DATE for p in penalties)  # live
        entries = [r for r in records if isinstance(r, DishonestyListEntry)]
        assert any(e.removed_on is None for e in entries)
        assert any(e.removed_on for e in entries)
        assert any(isinstance(r, CoerciveMeasure) for r in records)
        assert all(r.event_date < REFERENCE_DATE for r in records)


def test_cross_region_subjects_and_decisions_reported_twice() -> None:
    by_region = {region: seeded(region) for region in Region}
    subjects = {region: {subject_of(r) for r in records} for region, records in by_region.items()}
    in_all = subjects[Region.BEIJING] & subjects[Region.TIANJIN] & subjects[Region.HEBEI]
    assert any(not s[:17].isdigit() for s in in_all), "an enterprise with records in all three regions"
    keys = {region: {r.dedup_key: r for r in records} for region, records in by_region.items()}
    twice = [
        (a, b, key) for a in Region for b in Region if a.value < b.value for key in keys[a].keys() & keys[b].keys()
    ]
    assert len(twice) >= 2
    for a, b, key in twice:
        left, right = keys[a][key], keys[b][key]
        assert left.record_id == right.record_id
        assert left.model_copy(update={"region_code": ""}) == right.model_copy(update={"region_code": ""})


def test_demo_subjects_are_what_they_say() -> None:
    demo = demo_subjects(SEED)
    regions_of: dict[str, set[Region]] = {}
    for region in Region:
        for record in seeded(region):
            regions_of.setdefault(subject_of(record), set()).add(region)
    all_three = [d for d in demo if "all three regions" in d.note]
    assert any(d.kind is SubjectKind.ENTERPRISE for d in all_three)
    assert any(d.kind is SubjectKind.PERSON for d in all_three)
    for d in all_three:
        assert regions_of[d.identifier] == set(Region)
    for d in demo:
        if "no records" in d.note:
            assert d.identifier not in regions_of
    assert any(d.kind is SubjectKind.PERSON and ric.is_valid(d.identifier) for d in demo)


def test_a_thousand_records_subject_from_twenty_subjects_and_empty_subjects() -> None:
    counts = Counter(subject_of(r) for r in seeded(Region.BEIJING, 20))
    big, _ = region_subject(Region.BEIJING, SEED, 0)
    assert counts[big.identifier] >= 1000
    assert max(Counter(subject_of(r) for r in seeded(Region.BEIJING, 19)).values()) < 1000
    counts = Counter(subject_of(r) for r in seeded(Region.BEIJING))
    empty = [i for i in range(SUBJECTS) if region_subject(Region.BEIJING, SEED, i)[0].identifier not in counts]
    assert empty, "some region-specific subjects have no records"
