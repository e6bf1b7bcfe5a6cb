"""The protocol's enumerations and timestamps (records travel in the answer document:
tests/merge/test_answer_document.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.convert import (
    EDITION_FROM_PROTO,
    EDITION_TO_PROTO,
    SUBJECT_KIND_FROM_PROTO,
    SUBJECT_KIND_TO_PROTO,
    datetime_from_timestamp,
    edition_to_proto,
    timestamp_from_datetime,
)
from merge.editions import Edition
from merge.identifiers import SubjectKind
from protos.credit.v2 import adapter_pb2


def test_enum_mappings_are_total_and_inverse() -> None:
    protocol = {Edition.STANDARD, Edition.ADMINISTRATIVE, Edition.LISTING, Edition.PERSON}
    assert set(EDITION_TO_PROTO) == protocol
    # Any other edition file (financial, an operator's) travels as UNSPECIFIED, its name in the signed warrant.
    assert [edition_to_proto(e) for e in Edition if e not in protocol] == [adapter_pb2.EDITION_UNSPECIFIED]
    assert all(edition_to_proto(e) == EDITION_TO_PROTO[e] for e in protocol)
    assert set(SUBJECT_KIND_TO_PROTO) == set(SubjectKind)
    for edition, value in EDITION_TO_PROTO.items():
        assert EDITION_FROM_PROTO[value] is edition
    for kind, kind_value in SUBJECT_KIND_TO_PROTO.items():
        assert SUBJECT_KIND_FROM_PROTO[kind_value] is kind
    assert adapter_pb2.EDITION_UNSPECIFIED not in EDITION_FROM_PROTO


def test_timestamp_round_trip_keeps_the_instant() -> None:
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2025, 3, 31, 18, 30, 5, 123456, tzinfo=beijing)
    back = datetime_from_timestamp(timestamp_from_datetime(moment))
    assert back == moment
    assert back.tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        timestamp_from_datetime(datetime(2025, 3, 31, 18, 30))
