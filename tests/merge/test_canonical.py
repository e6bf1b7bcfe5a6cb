"""canonical_json and digest: stable bytes, sorted keys, UTF-8 without escapes, a digest that moves; for the
reference merge and canonical JSON and for the fast ones alike (the ``implementation`` fixture)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from merge.answers import RegionAnswer, RegionStatus
from merge.canonical import canonical_json, canonical_json_of, digest, digest_of
from merge.domains import DOMAINS
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.merging import merge_report
from merge.records import Penalty, PenaltyCategory, SubjectCategory
from merge.report import Report, ReportQuery
from tests.merge.conftest import Implementation, region_answer

BJ, TJ, HE = "110000", "120000", "130000"
QUERY = ReportQuery(
    subject=Subject(SubjectKind.ENTERPRISE, "91110108551385082Q"),
    edition=Edition.STANDARD,
    purpose="bidding",
    window_from=date(2023, 10, 9),
    window_to=date(2026, 10, 8),
    application_date=date(2026, 10, 9),
)
ISSUED = datetime(2026, 10, 9, 8, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _each_merge(implementation: Implementation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.merge_report", implementation.merge_report)
    monkeypatch.setattr(f"{__name__}.canonical_json", implementation.canonical_json)


def penalty(region: str, n: int, fine: str = "1.5") -> Penalty:
    return Penalty(
        region_code=region,
        record_id=f"{region}-{n}",
        domain=DOMAINS[n % len(DOMAINS)].code,
        subject_name="北京某某科技有限公司",
        subject_category=SubjectCategory.LEGAL_PERSON,
        decision_no=f"罚字〔2025〕{n}号",
        violation_type="虚假宣传",
        violation_facts="事实",
        legal_basis="依据",
        categories=(PenaltyCategory.FINE,),
        content="罚款",
        fine_amount=Decimal(fine),
        decision_date=date(2025, 1, 1) + timedelta(days=n),
        authority_name="北京市市场监督管理局",
        authority_uscc="11110105MB0123456F",
    )


def report(*, fine: str = "1.5", reverse: bool = False, issued_at: datetime = ISSUED) -> Report:
    answers = [
        region_answer(BJ, [penalty(BJ, 1, fine)], query=QUERY, latency_ms=10),
        RegionAnswer(region_code=TJ, status=RegionStatus.TIMED_OUT, latency_ms=3000, error="deadline exceeded"),
        region_answer(
            HE,
            [penalty(HE, 2), penalty(HE, 3)],
            query=QUERY,
            latency_ms=20,
            data_as_of=datetime(2026, 10, 8, 16, tzinfo=UTC),
            covered={"market_regulation"},
        ),
    ]
    if reverse:  # the order of the answers (within a region, the order is the region's signed statement)
        answers = answers[::-1]
    return merge_report(QUERY, answers, report_no="JJJ-1", issued_at=issued_at)


def test_same_report_same_bytes_regardless_of_construction_order() -> None:
    assert canonical_json(report()) == canonical_json(report(reverse=True))
    assert digest(report()) == digest(report(reverse=True))


def test_bytes_are_compact_sorted_utf8_json() -> None:
    data = canonical_json(report())
    text = data.decode("utf-8")
    assert "天津市" in text  # not \u5929...
    assert "\\u" not in text
    assert ": " not in text
    assert ", " not in text
    assert "\n" not in text
    # Sorted at every level: equal to the standard library's sorted, compact, non-ASCII form.
    document = json.loads(data)
    expected = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert data == expected
    assert list(document) == sorted(document)
    assert text.startswith('{"application_date":"2026-10-09","certificate_usable":false,"complete":false,')


def test_decimals_are_strings_and_datetimes_iso() -> None:
    document = json.loads(canonical_json(report(fine="0.0500")))
    first = document["regions"][0]["answer"]["document"]["records"]["penalty"][0]
    assert first["fine_amount"] == "0.0500"
    assert document["issued_at"] == "2026-10-09T08:30:00Z"
    assert document["regions"][2]["data_as_of"] == "2026-10-08T16:00:00Z"
    assert document["window"] == {"from": "2023-10-09", "to": "2026-10-08"}


def test_canonical_form_of_the_served_json_is_the_same() -> None:
    # A verifier holding the served document (model_dump by alias) gets the same bytes.
    r = report()
    assert canonical_json_of(r.model_dump(mode="json", by_alias=True)) == canonical_json(r)


def test_digest_is_sha256_of_the_bytes_and_changes_with_any_field() -> None:
    r = report()
    assert digest(r) == "sha256:" + hashlib.sha256(canonical_json(r)).hexdigest()
    assert digest_of(canonical_json(r)) == digest(r)
    assert digest(report(fine="1.50")) != digest(r)  # same number, different stated precision
    assert digest(report(issued_at=ISSUED + timedelta(seconds=1))) != digest(r)
    assert digest(r.model_copy(update={"report_no": "JJJ-2"})) != digest(r)
