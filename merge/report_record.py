"""One item of a report's ``records`` array: which record the report shows (its region and ``record_id``; the
content is in that region's signed part), who reported it, and the marks the administrative edition prints.

Apart from :mod:`merge.report` so that the column store holding a report's items
(:mod:`merge.fast.report_records`) can name the item type without importing the report model that holds it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from merge.records import RecordKind
from merge.severity import Severity

# hide_input_in_errors: a validation error must never echo a full resident ID (invariant 5).
REPORT_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True, populate_by_name=True)


class ReportRecord(BaseModel):
    """A merged record: the copy of the decision shown (``region``'s record ``record_id``, of ``kind``), every region
    that reported it, and edition marks."""

    model_config = REPORT_MODEL_CONFIG

    kind: RecordKind
    region: str
    record_id: str
    reported_by: tuple[str, ...] = Field(min_length=1)
    #: Only 警告 / 通报批评 (merge.edition_rules.is_minor; the administrative edition marks these).
    minor: bool
    #: Credit repair completed (merge.edition_rules.is_repaired; the administrative edition marks these).
    repaired: bool
    #: The severity class (严重程度) merge/severity.toml gives the record; ``None`` only in reports issued before
    #: reports stated it.
    severity: Severity | None = None
