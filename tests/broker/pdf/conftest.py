"""Reports to render, built the way the broker builds them: merge_report over RegionAnswer values (pure)."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from broker.keys import KeyRing, init_keys
from merge.answers import RegionAnswer, RegionStatus
from merge.canonical import canonical_json
from merge.domains import DEFAULT_COVERAGE
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.merging import merge_report
from merge.records import DishonestyListEntry, Penalty, PenaltyCategory, SubjectCategory
from merge.regions import Region
from merge.report import Report, ReportQuery
from tests.merge.conftest import region_answer

USCC = "91120116MA05KQ2X31"
RESIDENT_ID = "11010519491231002X"
CODE = "K7QX-9M2P-4HTD-R8WC"
VERIFY_URL = "https://jjj.example.cn/verify?code=K7QX9M2P4HTDR8WC"
ISSUED = datetime(2026, 10, 9, 8, 30, tzinfo=UTC)
AS_OF = datetime(2026, 10, 8, 16, 0, tzinfo=UTC)


def penalty(region: Region, n: int, *, subject_name: str = "天津某某科技有限公司", **changes: object) -> Penalty:
    fields: dict[str, object] = {
        "region_code": region.code,
        "record_id": f"{region.code}-{n}",
        "domain": "market_regulation",
        "subject_name": subject_name,
        "subject_category": SubjectCategory.LEGAL_PERSON,
        "uscc": USCC,
        "legal_representative": "王喆",  # 喆 is outside GB 2312: printed with the full face
        "decision_no": f"津市监罚〔2025〕{n}号",
        "violation_type": "虚假宣传",
        "violation_facts": "当事人在其网站发布虚假广告。",
        "legal_basis": "《中华人民共和国广告法》第五十五条",
        "categories": (PenaltyCategory.FINE,),
        "content": "罚款人民币五万元",
        "fine_amount": Decimal("5.0000"),
        "decision_date": date(2025, 3, 1) + timedelta(days=n),
        "publicity_until": date(2028, 3, 1),
        "authority_name": "天津市市场监督管理局",
        "authority_uscc": "11120000000012345M",
    }
    fields.update(changes)
    return Penalty.model_validate(fields)


_ENTERPRISE_QUERY = ReportQuery(
    subject=Subject(SubjectKind.ENTERPRISE, USCC), edition=Edition.STANDARD, purpose="bidding",
    window_from=date(2023, 10, 9), window_to=date(2026, 10, 8), application_date=date(2026, 10, 9),
)  # fmt: skip


def answered(
    region: Region, *records: Penalty | DishonestyListEntry, query: ReportQuery = _ENTERPRISE_QUERY
) -> RegionAnswer:
    """``region``'s signed answer as the broker holds it, the subject named as its newest record names it."""
    return region_answer(
        region.code, records, query=query, covered=DEFAULT_COVERAGE[region], data_as_of=AS_OF, latency_ms=12.0,
        subject_name=records[0].subject_name if records else "", signer=f"CN=region {region.code} answers",
    )  # fmt: skip


def build_report(
    answers: list[RegionAnswer], *, subject: Subject | None = None, edition: Edition = Edition.STANDARD
) -> Report:
    query = ReportQuery(
        subject=subject or Subject(SubjectKind.ENTERPRISE, USCC),
        edition=edition,
        purpose="going_abroad" if edition is Edition.PERSON else "bidding",
        window_from=date(2023, 10, 9),
        window_to=date(2026, 10, 8),
        application_date=date(2026, 10, 9),
    )
    return merge_report(query, answers, report_no="JJJ-2026-000042", issued_at=ISSUED)


def complete_report() -> Report:
    tianjin, beijing = Region.TIANJIN, Region.BEIJING
    entry = DishonestyListEntry(
        region_code=beijing.code,
        record_id="bj-list-1",
        domain="taxation",
        subject_name="天津某某科技有限公司",
        uscc=USCC,
        list_name="重大税收违法失信主体名单",
        authority_name="国家税务总局北京市税务局",
        listed_on=date(2025, 6, 1),
        document_no="京税稽〔2025〕7号",
    )
    return build_report([answered(beijing, entry), answered(tianjin, penalty(tianjin, 1)), answered(Region.HEBEI)])


def incomplete_report() -> Report:
    hebei_timeout = RegionAnswer(region_code=Region.HEBEI.code, status=RegionStatus.TIMED_OUT, latency_ms=3000.0)
    return build_report([answered(Region.BEIJING), answered(Region.TIANJIN, penalty(Region.TIANJIN, 1)), hebei_timeout])


def person_report() -> Report:
    record = penalty(
        Region.BEIJING,
        7,
        subject_name="李某某",
        subject_category=SubjectCategory.NATURAL_PERSON,
        uscc="",
        id_type="身份证",
        id_number=RESIDENT_ID,
        legal_representative="",
        domain="health",
    )
    person = ReportQuery(
        subject=Subject(SubjectKind.PERSON, RESIDENT_ID), edition=Edition.PERSON, purpose="going_abroad",
        window_from=date(2023, 10, 9), window_to=date(2026, 10, 8), application_date=date(2026, 10, 9),
    )  # fmt: skip
    return build_report(
        [answered(Region.BEIJING, record, query=person), answered(Region.TIANJIN, query=person),
         answered(Region.HEBEI, query=person)],
        subject=Subject(SubjectKind.PERSON, RESIDENT_ID),
        edition=Edition.PERSON,
    )  # fmt: skip


def render(report: Report) -> bytes:
    from broker.pdf.render import render_pdf

    return render_pdf(report, verification_code=CODE, verify_url=VERIFY_URL, canonical_json=canonical_json(report))


def pdftotext(pdf: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    """Text as poppler's pdftotext extracts it (what a reader copying from the PDF gets)."""
    path = tmp_path / "extract.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], check=True, capture_output=True, text=True).stdout


def page_count(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


@pytest.fixture(scope="session")
def pdf_keyring(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    return init_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def complete_pdf() -> bytes:
    return render(complete_report())


@pytest.fixture(scope="session")
def incomplete_pdf() -> bytes:
    return render(incomplete_report())
