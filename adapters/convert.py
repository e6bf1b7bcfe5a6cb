"""The ``jjj.credit.v2`` protocol's enumerations and timestamps, and validation of a node's request.

Records no longer travel as protobuf messages: a node sends its answer document (:mod:`merge.answer_document`),
whose reading is the trust boundary between a node and the broker. What is left here: the request a node
receives, checked field by field (:func:`query_scope_from_proto`; messages name the field and never hold a full
resident ID), and the enumerations both sides map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from merge.edition_rules import RULES
from merge.editions import Edition
from merge.identifiers import InvalidIdentifier, Subject, SubjectKind, validate_resident_id, validate_uscc
from merge.regions import Region
from protos.credit.v2 import adapter_pb2

#: The protocol version a node declares in ``Describe``: the proto package.
PROTOCOL_VERSION = adapter_pb2.DESCRIPTOR.package
#: Fully qualified service name, used for health checks and reflection.
SERVICE_NAME: str = adapter_pb2.DESCRIPTOR.services_by_name["RegionAdapter"].full_name

SUBJECT_KIND_TO_PROTO: dict[SubjectKind, adapter_pb2.SubjectKind] = {
    SubjectKind.ENTERPRISE: adapter_pb2.SUBJECT_KIND_ENTERPRISE,
    SubjectKind.PERSON: adapter_pb2.SUBJECT_KIND_PERSON,
}
SUBJECT_KIND_FROM_PROTO = {v: k for k, v in SUBJECT_KIND_TO_PROTO.items()}

EDITION_TO_PROTO: dict[Edition, adapter_pb2.Edition] = {
    Edition.STANDARD: adapter_pb2.EDITION_STANDARD,
    Edition.ADMINISTRATIVE: adapter_pb2.EDITION_ADMINISTRATIVE,
    Edition.LISTING: adapter_pb2.EDITION_LISTING,
    Edition.PERSON: adapter_pb2.EDITION_PERSON,
}
EDITION_FROM_PROTO = {v: k for k, v in EDITION_TO_PROTO.items()}

# ---- timestamps -------------------------------------------------------------------------------------------


def timestamp_from_datetime(value: datetime) -> Timestamp:
    """A ``Timestamp`` for an aware datetime; a naive one is a programming error (ValueError)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp: datetime must be timezone-aware")
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def datetime_from_timestamp(stamp: Timestamp) -> datetime:
    """An aware UTC datetime for a ``Timestamp``."""
    return stamp.ToDatetime(tzinfo=UTC)


# ---- field values -----------------------------------------------------------------------------------------


def parse_iso_date(value: str, field: str) -> date:
    """An ISO-8601 calendar date (``2025-03-31``), or ValueError naming ``field``."""
    if len(value) != 10:
        raise ValueError(f"{field}: not an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: not an ISO date (YYYY-MM-DD)") from None


# ---- requests ---------------------------------------------------------------------------------------------

# Printable ASCII without spaces: the request id is logged, so it must not be able to forge log lines.
REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


@dataclass(frozen=True, slots=True)
class QueryScope:
    """A validated ``QueryRecordsRequest``: what the query asks for, which its warrant must cover."""

    region: Region
    subject: Subject
    edition: Edition
    window_from: date
    window_to: date
    request_id: str


class InvalidRequest(ValueError):
    """A request field is invalid; the message names it and never holds a full resident ID."""


def query_scope_from_proto(request: adapter_pb2.QueryRecordsRequest, region: Region) -> QueryScope:
    """The validated query for the node of ``region``, or :class:`InvalidRequest` naming the first bad field.

    The subject identifier is checked for its kind (python-stdnum checksums), the edition must exist and be
    available for that kind of subject (:data:`merge.edition_rules.RULES`), the window must be two ISO dates in
    order.
    """
    kind = SUBJECT_KIND_FROM_PROTO.get(request.subject_kind)
    if kind is None:
        raise InvalidRequest("subject_kind: must be SUBJECT_KIND_ENTERPRISE or SUBJECT_KIND_PERSON")
    try:
        validate = validate_uscc if kind is SubjectKind.ENTERPRISE else validate_resident_id
        subject = Subject(kind, validate(request.subject_id))
    except InvalidIdentifier as exc:
        # InvalidIdentifier carries the reason only, never the value.
        raise InvalidRequest(f"subject_id: {exc}") from None
    edition = EDITION_FROM_PROTO.get(request.edition)
    if edition is None:
        raise InvalidRequest("edition: unknown or unspecified edition")
    if kind not in RULES[edition].subject_kinds:
        raise InvalidRequest(f"edition: the {edition.value} edition is not available for a {kind.value} subject")
    try:
        window_from = parse_iso_date(request.window_from, "window_from")
        window_to = parse_iso_date(request.window_to, "window_to")
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    if window_from > window_to:
        raise InvalidRequest("window_from: must not be after window_to")
    if not REQUEST_ID.fullmatch(request.request_id):
        raise InvalidRequest("request_id: 1 to 128 printable ASCII characters without spaces")
    return QueryScope(region, subject, edition, window_from, window_to, request.request_id)
