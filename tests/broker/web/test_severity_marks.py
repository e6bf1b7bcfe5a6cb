"""The severity mark the report page and the PDF print for each record (broker.web.record_fields.marks)."""

from __future__ import annotations

from decimal import Decimal

from broker.web.record_fields import marks
from merge.records import PenaltyCategory
from merge.report_record import ReportRecord
from merge.severity import severity_of
from tests.merge.test_edition_rules import penalty


def test_the_mark_follows_the_records_class_and_old_reports_show_none() -> None:
    record = penalty(categories=(PenaltyCategory.REVOKE_LICENSE,), fine_amount=Decimal("1"))
    item = ReportRecord(
        kind=record.kind, region="120000", record_id=record.record_id, reported_by=("120000",), minor=False,
        repaired=False, severity=severity_of(record),
    )  # fmt: skip
    assert marks(item, record)[0] == "严重程度：严重"
    older = item.model_copy(update={"severity": None})
    assert not any(m.startswith("严重程度") for m in marks(older, record))
