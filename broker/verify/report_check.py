"""Checking a report's region parts: is each region's part exactly what that region signed, and about this report?

Offline and online alike (``jjj verify FILE`` and ``POST /v1/verify``), with nothing but the report and the
federation CA certificate. For every region line of a ``jjj.report/2`` document:

* an answered region has its part, and only an answered region has one;
* the part's signature is that region's over the part's document, by a certificate of the federation CA valid
  when the report was issued (:class:`adapters.answer_verify.AnswerVerifier`; the document's bytes are its
  canonical JSON, :meth:`merge.signed_part.SignedPart.from_json`);
* the document is a valid ``jjj.region-answer/1`` (:func:`merge.answer_document.read_document`) about this
  report: same region, edition, window and subject;
* every record (and licence) the report lists under that region is in the part; department seals, where the
  edition has them, verify (:func:`merge.confirmations.check_confirmations`, inside ``read_document``).

Each failing region is named with the reason; one changed byte anywhere in a part fails that region only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from adapters.answer_verify import AnswerUnauthenticated, AnswerVerifier
from merge.answer_document import AnswerInvalid, read_document
from merge.regions import Region
from merge.signed_part import SignedPart


@dataclass(frozen=True, slots=True)
class RegionCheck:
    code: str
    status: str
    #: True: the part verifies; False: it does not (``reason`` says why); None: the region did not answer.
    verified: bool | None
    reason: str
    signed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "status": self.status, "verified": self.verified, "reason": self.reason,
            "signed_by": self.signed_by,
        }  # fmt: skip


class NotAReport(ValueError):
    """The document is no ``jjj.report/2`` report (the message says what is missing)."""


_RECORD_ID = attrgetter("record_id")  # the wire structs are made at import time: no static attributes


def check_regions(report: Any, verifier: AnswerVerifier) -> list[RegionCheck]:
    """One check per region line of ``report`` (the parsed JSON of a ``jjj.report/2``); see the module docstring."""
    if not isinstance(report, dict) or report.get("schema") != "jjj.report/2":
        raise NotAReport("not a jjj.report/2 document")
    try:
        issued_at = datetime.fromisoformat(str(report["issued_at"]))
        lines = list(report["regions"])
        listed = [(str(item["region"]), str(item["record_id"])) for item in report["records"]]
    except (KeyError, TypeError, ValueError):
        raise NotAReport("a jjj.report/2 document without issued_at, regions or records") from None
    return [_check_line(line, report, issued_at, listed, verifier) for line in lines]


def _check_line(
    line: Any, report: dict[str, Any], issued_at: datetime, listed: list[tuple[str, str]], verifier: AnswerVerifier
) -> RegionCheck:
    code, status = str(line.get("code", "?")), str(line.get("status", "?"))
    part = line.get("answer")
    if status != "answered":
        if part is not None:
            return RegionCheck(code, status, False, "a region that did not answer carries a part")
        if any(region == code for region, _ in listed):
            return RegionCheck(code, status, False, "records listed for a region that did not answer")
        return RegionCheck(code, status, None, "did not answer")
    if part is None:
        return RegionCheck(code, status, False, "answered, but its signed part is missing")
    try:
        region = Region.from_code(code)
        signed = SignedPart.from_json(part)
        signer = verifier.verify(
            region, signed.document, signed.scheme, signed.signature, signed.certificate, at=issued_at
        )
        document = read_document(signed.document)
    except (AnswerUnauthenticated, AnswerInvalid, ValueError) as exc:
        return RegionCheck(code, status, False, str(exc)[:200])
    mismatch = (
        "its part is another region's" if document.region_code != code else _about_another_report(document, report)
    )
    if mismatch is not None:
        return RegionCheck(code, status, False, mismatch, signer)
    held = {record.record_id for record in document.records.all()}
    if any(region_code == code and record_id not in held for region_code, record_id in listed):
        return RegionCheck(code, status, False, "the report lists a record its part does not hold", signer)
    licences = set(map(_RECORD_ID, document.records.licence))
    if any(
        str(i.get("region")) == code and str(i.get("record_id")) not in licences for i in report.get("licences", [])
    ):
        return RegionCheck(code, status, False, "the report lists a licence its part does not hold", signer)
    sealed = sum(item.seal is not None for item in document.confirmations)
    reason = "signed by the region, unchanged" + (f"; {sealed} department seals verify" if sealed else "")
    return RegionCheck(code, status, True, reason, signer)


def _about_another_report(document: Any, report: dict[str, Any]) -> str | None:
    window = report.get("window") or {}
    subject = report.get("subject") or {}
    checks = (
        ("edition", str(document.edition), report.get("edition")),
        ("window", (document.window.from_, document.window.to), (_date(window.get("from")), _date(window.get("to")))),
        ("subject", document.subject.identifier, subject.get("identifier")),
    )  # fmt: skip
    for name, stated, expected in checks:
        if expected is not None and stated != expected:
            return f"its part is about another {name}"
    if document.confirmation_ref is not None and document.confirmation_ref != report.get("report_no"):
        # Department seals name the report they confirm: they cannot be carried into another one.
        return "its department confirmations are for another report"
    return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def pdf_report_json(pdf: bytes) -> bytes:
    """The report JSON a report PDF carries attached (``report.json``)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    for ref in root.get("/AF", []):
        spec = ref.get_object()
        if spec.get("/F") == "report.json":
            data: bytes = spec["/EF"]["/F"].get_object().data
            return data
    raise ValueError("the PDF has no report.json attached")
