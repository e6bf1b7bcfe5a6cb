"""Reports to render, built the way the broker builds them: merge_report over RegionAnswer values (pure)."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from broker.keys import KeyRing, init_keys
from merge.answers import RegionAnswer, RegionStatus
from merge.canonical import canonical_json
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import AnyRecord
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


def answered(region: Region, *records: AnyRecord, query: ReportQuery = _ENTERPRISE_QUERY) -> RegionAnswer:
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


def pdf_a_3b_problems(pdf: bytes, attached: bytes, tmp_path: Path) -> list[str]:
    """What keeps ``pdf`` from being the PDF/A-3b file it claims to be, with ``attached`` as its report.json;
    empty when it declares PDF 1.7 everywhere, PDF/A-3B in its XMP, an sRGB output intent and exactly one
    associated file. Read with pyhanko and with poppler (pdfinfo, pdfdetach), which nobody here wrote."""
    problems: list[str] = []
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    root = reader.root
    if not pdf.startswith(b"%PDF-1.7\n"):
        problems.append(f"header {pdf[:9]!r}")
    # A PDF 1.7 file may raise its version only through the catalog (ISO 32000-1 7.2.2): it must not here.
    if "/Version" in root:
        problems.append(f"catalog /Version {root['/Version']}")
    extensions = root.get("/Extensions")
    if extensions is not None:
        # Only the ESIC extension of PDF 1.7 (PAdES) is expected; ISO/TS 32002 (/ISO_) is a PDF 2.0 extension.
        for prefix in extensions:
            value = extensions[prefix]
            entries = list(value) if isinstance(value, list) else [value]
            if prefix != "/ESIC" or any(e["/BaseVersion"] != "/1.7" for e in entries):
                problems.append(f"developer extension {prefix} {entries}")
    path = tmp_path / "claims.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    if not re.search(r"^PDF version:\s+1\.7$", info, re.MULTILINE):
        problems.append("pdfinfo: " + next((line for line in info.splitlines() if "version" in line), "no version"))
    xmp = root["/Metadata"].data.decode()
    for claim in ('pdfaid:part="3"', 'pdfaid:conformance="B"'):
        if claim not in xmp:
            problems.append(f"XMP lacks {claim}")
    intents = root.get("/OutputIntents") or []
    if [i["/S"] for i in intents] != ["/GTS_PDFA1"] or int(intents[0]["/DestOutputProfile"]["/N"]) != 3:
        problems.append("output intent is not one GTS_PDFA1 RGB profile")
    associated = root.get("/AF") or []
    refs = [associated.raw_get(i) for i in range(len(associated))]
    named = root["/Names"]["/EmbeddedFiles"]["/Names"]
    names = [str(named[i]) for i in range(0, len(named), 2)]
    if len(refs) != 1 or names != [ATTACHMENT] or named.raw_get(1) != refs[0]:
        problems.append(f"/AF holds {refs}, /EmbeddedFiles names {names}")
    elif (spec := refs[0].get_object())["/AFRelationship"] != "/Source" or spec["/EF"]["/F"][
        "/Subtype"
    ] != "/application/json":
        problems.append("report.json is not an application/json /Source associated file")
    out = tmp_path / "claims-attachment"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(path)], check=True, capture_output=True)
    if out.read_bytes() != attached:
        problems.append("the attached report.json differs from the canonical JSON")
    return problems


ATTACHMENT = "report.json"


@dataclass(frozen=True, slots=True)
class Pdfsig:
    """poppler's pdfsig, with an NSS database that trusts one CA (as a reader that was given that CA)."""

    nss_dir: Path

    def __call__(self, pdf: bytes, tmp_path: Path) -> str:
        path = tmp_path / "pdfsig.pdf"
        path.write_bytes(pdf)
        # OCSP stays on: the certificates name no responder, so nothing is fetched (and poppler 22.12's
        # -no-ocsp reports a trusted chain as "Unknown issue").
        run = subprocess.run(["pdfsig", "-nssdir", f"sql:{self.nss_dir}", str(path)], capture_output=True, text=True)
        return run.stdout + run.stderr


def nss_trusting(directory: Path, ca_cert: Path | None) -> Pdfsig:
    """An NSS database in ``directory`` (made with NSS's certutil) that trusts ``ca_cert`` for signatures."""
    directory.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{directory}"], check=True, capture_output=True)
    if ca_cert is not None:
        add = ["certutil", "-A", "-n", "jjj CA", "-t", ",C,", "-i", str(ca_cert), "-d", f"sql:{directory}"]
        subprocess.run(add, check=True, capture_output=True)
    return Pdfsig(directory)


@pytest.fixture(scope="session")
def pdfsig(pdf_keyring: KeyRing, tmp_path_factory: pytest.TempPathFactory) -> Pdfsig:
    """pdfsig trusting the test key ring's CA."""
    return nss_trusting(tmp_path_factory.mktemp("nss") / "db", pdf_keyring.ca_cert)
