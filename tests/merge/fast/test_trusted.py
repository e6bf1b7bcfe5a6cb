"""merge.fast.trusted: report items built without pydantic's bookkeeping equal what model_construct builds."""

from __future__ import annotations

import pytest

from merge.fast.trusted import trusted_record, trusted_records
from merge.report import ReportRecord
from tests.merge.test_merging import BJ, HE, TJ, penalty


def test_trusted_report_record_equals_model_construct() -> None:
    record = penalty(BJ, 1)
    fast = trusted_record(record, (BJ,), True, False)
    slow = ReportRecord.model_construct(record=record, reported_by=(BJ,), minor=True, repaired=False)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


def test_trusted_many_equals_model_construct_item_by_item_and_refuses_unequal_lengths() -> None:
    records = [penalty(BJ, n) for n in range(4)]
    by = [(BJ,), (BJ, TJ), (HE,), (TJ,)]
    minor, repaired = [True, False, False, True], [False, False, True, True]
    fast = trusted_records(records, by, minor, repaired)
    slow = [
        ReportRecord.model_construct(record=r, reported_by=b, minor=m, repaired=p)
        for r, b, m, p in zip(records, by, minor, repaired, strict=True)
    ]
    assert fast == slow
    assert [f.model_fields_set for f in fast] == [s.model_fields_set for s in slow]
    assert fast[0].model_fields_set is not fast[1].model_fields_set  # each its own, as model_construct makes
    with pytest.raises(ValueError, match="differ in length"):
        trusted_records(records, by, minor, repaired[:3])
