"""Build one region's synthetic records for a subject: penalties, list entries, coercive measures.

A :class:`RecordWriter` numbers decisions per authority and year (京朝环罚〔2025〕12号) so natural keys never
collide, and hands out every art. 9 penalty category in turn before choosing at random, so even a small seed
shows each category. Randomness comes only from the ``random.Random`` passed in.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from adapters.authorities import Authority, authorities_by_domain
from adapters.seed_content import (
    ENTERPRISE_CATEGORIES,
    ENTERPRISE_DOMAINS,
    LASTING_CATEGORIES,
    LICENSE_CATEGORIES,
    LISTS,
    MEASURES,
    PERSON_CATEGORIES,
    PERSON_DOMAINS,
    facts,
    license_ref,
    pick_weighted,
    violation,
)
from adapters.seed_subjects import SeedSubject
from adapters.store import record_id_for
from merge.domains import DEFAULT_COVERAGE
from merge.identifiers import SubjectKind
from merge.records import (
    MINOR_CATEGORIES,
    CoerciveMeasure,
    DishonestyListEntry,
    Licence,
    LicenceCategory,
    Penalty,
    PenaltyCategory,
    Procedure,
    Record,
    RepairStatus,
)
from merge.regions import Region

_SIX_YEARS = 6 * 365
_CONFISCATIONS = {PenaltyCategory.CONFISCATE_ILLEGAL_GAINS, PenaltyCategory.CONFISCATE_ILLEGAL_PROPERTY}


#: Licences the seed grants (name, content): 行政许可 of the market regulator.
_LICENCES = (("食品经营许可", "预包装食品（含冷藏冷冻食品）销售"), ("药品经营许可", "中成药、化学药制剂零售"),
             ("特种设备生产许可", "压力容器制造"))  # fmt: skip


class RecordWriter:
    def __init__(self, region: Region, reference_date: date) -> None:
        self.region = region
        self.reference = reference_date
        self._coverage = DEFAULT_COVERAGE[region]
        self._by_domain = authorities_by_domain(region)
        self._numbers: dict[tuple[str, int], int] = {}
        self._category_turn = {SubjectKind.ENTERPRISE: 0, SubjectKind.PERSON: 0}

    def _number(self, prefix: str, year: int) -> int:
        key = (prefix, year)
        self._numbers[key] = self._numbers.get(key, 0) + 1
        return self._numbers[key]

    def _document_no(self, authority: Authority, kind: str, year: int) -> str:
        return f"{authority.doc_prefix}{kind}〔{year}〕{self._number(authority.doc_prefix + kind, year)}号"

    def _past(self, rng: random.Random, max_days: int = _SIX_YEARS) -> date:
        return self.reference - timedelta(days=rng.randint(1, max_days))

    def _authority(self, rng: random.Random, domain: str) -> Authority:
        return rng.choice(self._by_domain[domain])

    def records(self, rng: random.Random, subject: SeedSubject, count: int) -> list[Record]:
        found: list[Record] = []
        for _ in range(count):
            roll = rng.random()
            if roll < 0.05 and subject.kind is SubjectKind.ENTERPRISE:
                found.append(self.coercive_measure(rng, subject, lifted=rng.random() < 0.6))
            elif roll < 0.09:
                found.append(self.list_entry(rng, subject, removed=rng.random() < 0.4))
            else:
                found.append(self.penalty(rng, subject))
        return found

    def _categories(self, rng: random.Random, kind: SubjectKind) -> tuple[PenaltyCategory, ...]:
        pool = ENTERPRISE_CATEGORIES if kind is SubjectKind.ENTERPRISE else PERSON_CATEGORIES
        turn = self._category_turn[kind]
        self._category_turn[kind] = turn + 1
        primary = pool[turn] if turn < len(pool) else rng.choice(pool)
        extra = rng.choice((PenaltyCategory.FINE, PenaltyCategory.CONFISCATE_ILLEGAL_GAINS))
        if primary not in MINOR_CATEGORIES and extra != primary and rng.random() < 0.4:
            return (primary, extra)
        return (primary,)

    def penalty(
        self, rng: random.Random, subject: SeedSubject, *, domain: str | None = None, number: int | None = None
    ) -> Penalty:
        """One penalty; with ``number`` given it is an ordinary-procedure decision with that number."""
        weights = ENTERPRISE_DOMAINS if subject.kind is SubjectKind.ENTERPRISE else PERSON_DOMAINS
        domain = domain or pick_weighted(rng, weights, self._coverage)
        authority = self._authority(rng, domain)
        decided = self._past(rng)
        simple = number is None and rng.random() < 0.12
        not_penalised = number is None and not simple and rng.random() < 0.05
        person = subject.kind is SubjectKind.PERSON
        if simple:
            categories: tuple[PenaltyCategory, ...] = (rng.choice((PenaltyCategory.WARNING, PenaltyCategory.FINE)),)
        elif not_penalised:
            categories = ()
        else:
            categories = self._categories(rng, subject.kind)
        fine = confiscated = None
        if PenaltyCategory.FINE in categories:
            cents = rng.randint(1, 2) if person and simple else rng.randint(1, 30) if simple else rng.randint(10, 50000)
            fine = Decimal(cents) / 100
        if _CONFISCATIONS & set(categories):
            confiscated = Decimal(rng.randint(1, 200000)) / 10000
        kind = "简罚" if simple else "不罚" if not_penalised else "罚"
        number = number or self._number(authority.doc_prefix + kind, decided.year)
        violation_type, basis = violation(rng, domain)
        content = "、".join(
            f"罚款{fine}万元"
            if c is PenaltyCategory.FINE
            else f"{c.value}{confiscated}万元"
            if c in _CONFISCATIONS
            else c.value
            for c in categories
        )
        publicity = None
        if not simple and not not_penalised:
            minor = set(categories) <= MINOR_CATEGORIES
            publicity = decided + timedelta(days=90 if minor else 3 * 365)
        repair, repaired_on = RepairStatus.NONE, None
        age = (self.reference - decided).days
        if publicity is not None and age > 365:
            roll = rng.random()
            if roll < 0.15:
                repair, repaired_on = RepairStatus.REPAIRED, decided + timedelta(days=rng.randint(365, age))
            elif roll < 0.2:
                repair = RepairStatus.IN_PROGRESS
        lasting = bool(LASTING_CATEGORIES & set(categories))
        record = Penalty(
            region_code=self.region.code,
            record_id="",
            domain=domain,
            subject_name=subject.name,
            subject_category=subject.category,
            uscc="" if person else subject.identifier,
            id_type="身份证" if person else "",
            id_number=subject.identifier if person else "",
            legal_representative=subject.legal_representative,
            decision_no=f"{authority.doc_prefix}{kind}〔{decided.year}〕{number}号",
            violation_type=violation_type,
            violation_facts=facts(rng, violation_type),
            legal_basis=basis,
            categories=categories,
            content=content or "不予行政处罚",
            fine_amount=fine,
            confiscated_amount=confiscated,
            license_ref=license_ref(rng) if LICENSE_CATEGORIES & set(categories) else "",
            decision_date=decided,
            valid_until=decided + timedelta(days=rng.randint(30, 365)) if lasting else None,
            publicity_until=publicity,
            authority_name=authority.name,
            authority_uscc=authority.uscc,
            data_source=authority.name,
            procedure=Procedure.SIMPLE if simple else Procedure.ORDINARY,
            not_penalised=not_penalised,
            repair_status=repair,
            repaired_on=repaired_on,
            objection_open=rng.random() < 0.03,
        )
        return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})

    def _special_domain(self, rng: random.Random, options: Mapping[str, object]) -> str:
        covered = [d for d in options if d in self._coverage]
        return rng.choice(covered)

    def list_entry(self, rng: random.Random, subject: SeedSubject, *, removed: bool) -> DishonestyListEntry:
        domain = self._special_domain(rng, LISTS)
        authority = self._authority(rng, domain)
        listed = self._past(rng)
        removed_on = listed + timedelta(days=rng.randint(365, 3 * 365)) if removed else None
        if removed_on is not None and removed_on > self.reference:
            removed_on = None  # removal lies in the future: still listed today
        violation_type, _ = violation(rng, domain)
        record = DishonestyListEntry(
            region_code=self.region.code,
            record_id="",
            domain=domain,
            subject_name=subject.name,
            uscc=subject.identifier if subject.kind is SubjectKind.ENTERPRISE else "",
            id_number=subject.identifier if subject.kind is SubjectKind.PERSON else "",
            list_name=LISTS[domain],
            authority_name=authority.name,
            listed_on=listed,
            removed_on=removed_on,
            reason=f"因{violation_type}，情节严重",
            document_no=self._document_no(authority, "列", listed.year),
        )
        return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})

    def licence(self, rng: random.Random, subject: SeedSubject) -> Licence:
        """A business licence of the subject's (行政许可): granted in the past, valid five years."""
        domain = "market_regulation"
        authority = self._authority(rng, domain)
        decided = self._past(rng, 3 * 365)
        name, content = rng.choice(_LICENCES)
        record = Licence(
            region_code=self.region.code,
            record_id="",
            domain=domain,
            subject_name=subject.name,
            uscc=subject.identifier,
            document_name=f"{name}决定书",
            document_no=self._document_no(authority, "许", decided.year),
            category=LicenceCategory.ORDINARY,
            certificate_name=name.removesuffix("许可") + "许可证",
            licence_no=f"JY{subject.identifier[2:8]}{rng.randint(10**7, 10**8 - 1)}",
            content=content,
            decided_on=decided,
            valid_from=decided,
            valid_until=decided + timedelta(days=5 * 365 - 1),
            authority_name=authority.name,
            authority_uscc=authority.uscc,
        )
        return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})

    def coercive_measure(self, rng: random.Random, subject: SeedSubject, *, lifted: bool) -> CoerciveMeasure:
        domain = self._special_domain(rng, MEASURES)
        authority = self._authority(rng, domain)
        decided = self._past(rng)
        lifted_on = decided + timedelta(days=rng.randint(30, 180)) if lifted else None
        if lifted_on is not None and lifted_on > self.reference:
            lifted_on = None
        violation_type, _ = violation(rng, domain)
        record = CoerciveMeasure(
            region_code=self.region.code,
            record_id="",
            domain=domain,
            subject_name=subject.name,
            uscc=subject.identifier if subject.kind is SubjectKind.ENTERPRISE else "",
            id_number=subject.identifier if subject.kind is SubjectKind.PERSON else "",
            document_no=self._document_no(authority, "强", decided.year),
            measure_type=rng.choice(MEASURES[domain]),
            reason=f"涉嫌{violation_type}",
            authority_name=authority.name,
            decided_on=decided,
            lifted_on=lifted_on,
        )
        return record.model_copy(update={"record_id": record_id_for(record.dedup_key)})
