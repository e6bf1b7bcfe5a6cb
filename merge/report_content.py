"""The content of a report's records: each item refers to a record of a region's signed part; here it is found.

For readers of a whole report (the PDF, ``jjj verify``'s summary, tests): every answered region's document is
read back (:func:`merge.answer_document.read_document`, so a changed part fails loudly here too) and its records
become :mod:`merge.records` models. Not the broker's hot path: issuing a report never needs the content again.
"""

from __future__ import annotations

from dataclasses import dataclass

from merge.answer_document import read_document, record_models
from merge.confirmations import WireConfirmation
from merge.edition_rules import AnyRecord
from merge.records import Licence
from merge.report import LicenceItem, Report, ReportRecord


def records_by_key(report: Report) -> dict[tuple[str, str], AnyRecord]:
    """Every record of every region part, by ``(region code, record_id)``."""
    found: dict[tuple[str, str], AnyRecord] = {}
    for line in report.regions:
        if line.answer is not None:
            for record in record_models(read_document(line.answer.document)):
                found[(line.code, record.record_id)] = record
    return found


def shown_records(report: Report) -> list[tuple[ReportRecord, AnyRecord]]:
    """Each item of ``report.records`` with the record it refers to, in report order."""
    found = records_by_key(report)
    return [(item, found[(item.region, item.record_id)]) for item in report.records]


def shown_licences(report: Report) -> list[tuple[LicenceItem, Licence]]:
    """Each of ``report.licences`` with the licence it refers to, in report order."""
    found = records_by_key(report)
    shown: list[tuple[LicenceItem, Licence]] = []
    for item in report.licences:
        licence = found[(item.region, item.record_id)]
        if isinstance(licence, Licence):
            shown.append((item, licence))
    return shown


def confirmations_by_key(report: Report) -> dict[tuple[str, str], WireConfirmation]:
    """Each record's department confirmation, by ``(region code, record_id)`` (editions that have them)."""
    found: dict[tuple[str, str], WireConfirmation] = {}
    for line in report.regions:
        if line.answer is not None:
            for item in read_document(line.answer.document).confirmations:
                found[(line.code, item.record_id)] = item
    return found


@dataclass(frozen=True, slots=True)
class DepartmentSeal:
    """One department's seal as a report lists it: whose, which key, how many records it decided."""

    region_code: str
    authority_name: str
    key_id: str
    decided: int


def department_seals(report: Report) -> list[DepartmentSeal]:
    """The seals on a report's confirmations, one per region, department and key, in region order."""
    counts: dict[tuple[str, str, str], int] = {}
    for (region, _record), item in confirmations_by_key(report).items():
        if item.seal is not None:
            key = (region, item.authority_name, item.seal.key_id)
            counts[key] = counts.get(key, 0) + 1
    return [DepartmentSeal(region, name, key_id, n) for (region, name, key_id), n in counts.items()]
