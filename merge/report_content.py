"""The content of a report's records: each item refers to a record of a region's signed part; here it is found.

For readers of a whole report (the PDF, ``jjj verify``'s summary, tests): every answered region's document is
read back (:func:`merge.answer_document.read_document`, so a changed part fails loudly here too) and its records
become :mod:`merge.records` models. Not the broker's hot path: issuing a report never needs the content again.
"""

from __future__ import annotations

from merge.answer_document import read_document, record_models
from merge.edition_rules import AnyRecord
from merge.report import Report, ReportRecord


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
