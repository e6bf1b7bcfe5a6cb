"""merge.fast.trusted: report items built without pydantic's bookkeeping equal what model_construct builds."""

from __future__ import annotations

import pytest

from merge.fast.report_records import FIELDS
from merge.fast.trusted import trusted_record, trusted_records
from merge.records import RecordKind
from merge.report import ReportRecord
from merge.severity import Severity
from tests.merge.test_merging import BJ, HE, TJ

P, C = RecordKind.PENALTY, RecordKind.COERCIVE_MEASURE


def test_trusted_report_record_equals_model_construct() -> None:
    values: dict[str, object] = {
        "kind": P, "region": BJ, "record_id": "r-1", "reported_by": (BJ,), "minor": True, "repaired": False,
        "severity": Severity.GENERAL,
    }  # fmt: skip
    fast = trusted_record(dict(values))
    slow = ReportRecord.model_construct(**values)  # type: ignore[arg-type]
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


def test_trusted_many_equals_model_construct_item_by_item_and_refuses_unequal_lengths() -> None:
    columns = (
        (P, P, C, P), (BJ, BJ, HE, TJ), ("a", "b", "c", "d"), ((BJ,), (BJ, TJ), (HE,), (TJ,)),
        (True, False, False, True), (False, False, True, True),
        (Severity.GENERAL, Severity.HEAVY, Severity.HEAVY, Severity.SERIOUS),
    )  # fmt: skip
    fast = trusted_records(FIELDS, columns)
    slow = [ReportRecord.model_construct(**dict(zip(FIELDS, row, strict=True))) for row in zip(*columns, strict=True)]
    assert fast == slow
    assert [f.model_fields_set for f in fast] == [s.model_fields_set for s in slow]
    assert fast[0].model_fields_set is not fast[1].model_fields_set  # each its own, as model_construct makes
    with pytest.raises(ValueError, match="differ in length"):
        trusted_records(FIELDS, (*columns[:6], columns[6][:3]))
