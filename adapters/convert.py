"""The ``jjj.credit.v2`` protocol's enumerations and timestamps, and validation of a node's request.

Records no longer travel as protobuf messages: a node sends its answer document (:mod:`merge.answer_document`),
whose reading is the trust boundary between a node and the broker. What is left here: the request a node
receives, checked field by field (:func:`query_scope_from_proto`; messages name the field and never hold a full
resident ID), and the enumerations both sides map.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from adapters.ticket_models import TicketKind
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

# Here, not beside the node's ticket service: the broker files tickets too, and must not load the node's server
# (and SQLAlchemy with it, ~20 MB of the broker's memory) for a mapping.
KIND_TO_PROTO = {
    TicketKind.OBJECTION: adapter_pb2.TICKET_KIND_OBJECTION,
    TicketKind.REPAIR: adapter_pb2.TICKET_KIND_REPAIR,
}
KIND_FROM_PROTO = {v: k for k, v in KIND_TO_PROTO.items()}

EDITION_TO_PROTO: dict[Edition, adapter_pb2.Edition] = {
    Edition.STANDARD: adapter_pb2.EDITION_STANDARD,
    Edition.ADMINISTRATIVE: adapter_pb2.EDITION_ADMINISTRATIVE,
    Edition.LISTING: adapter_pb2.EDITION_LISTING,
    Edition.PERSON: adapter_pb2.EDITION_PERSON,
}
EDITION_FROM_PROTO = {v: k for k, v in EDITION_TO_PROTO.items()}


def edition_to_proto(edition: Edition) -> adapter_pb2.Edition:
    """The request's enum value: the four the protocol names, ``EDITION_UNSPECIFIED`` for any other edition file
    (the financial edition, an operator's own), whose name the node then takes from the signed warrant."""
    return EDITION_TO_PROTO.get(edition, adapter_pb2.EDITION_UNSPECIFIED)


def _warrant_edition(warrant: bytes) -> str:
    """The ``edition`` claim of a warrant not yet verified: the node's verifier then checks the warrant names
    exactly this edition, its version and digest, so nothing here is trusted beyond choosing what to check."""
    try:
        payload = warrant.split(b".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        name = claims["edition"]
    except (IndexError, ValueError, TypeError, KeyError):
        return ""
    return name if isinstance(name, str) else ""


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
#: A report number as the broker hands them out (broker/reports/store.py).
CONFIRMATION_REF = re.compile(r"JJJ-\d{8}-\d{6}")


@dataclass(frozen=True, slots=True)
class QueryScope:
    """A validated ``QueryRecordsRequest``: what the query asks for, which its warrant must cover."""

    region: Region
    subject: Subject
    edition: Edition
    window_from: date
    window_to: date
    request_id: str
    #: The report number a department-confirmation edition's answer is confirmed under ("" otherwise).
    confirmation_ref: str = ""


class InvalidRequest(ValueError):
    """A request field is invalid; the message names it and never holds a full resident ID."""


class EditionUnavailable(InvalidRequest):
    """The query asks for an edition this node does not hold (the node refuses: ``PERMISSION_DENIED``)."""


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
    if edition is None and request.edition == adapter_pb2.EDITION_UNSPECIFIED:
        name = _warrant_edition(request.warrant)
        if not name:
            raise InvalidRequest("edition: unspecified, and the warrant names no edition")
        try:
            edition = Edition(name)
        except ValueError:
            raise EditionUnavailable(f"edition: this node holds no edition {name[:32]!r}") from None
    if edition is None:
        raise InvalidRequest("edition: unknown edition")
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
    ref = request.confirmation_ref
    if edition.spec.department_confirmation:
        if not CONFIRMATION_REF.fullmatch(ref):
            raise InvalidRequest(
                f"confirmation_ref: the {edition.value} edition needs a report number (JJJ-YYYYMMDD-NNNNNN)"
            )
    elif ref:
        raise InvalidRequest(f"confirmation_ref: the {edition.value} edition has no department confirmation")
    return QueryScope(region, subject, edition, window_from, window_to, request.request_id, ref)
