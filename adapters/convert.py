"""Conversion between the merge models and the ``jjj.credit.v1`` protocol messages, and request validation.

Wire conventions (see ``protos/credit/v1/adapter.proto``): dates are ISO-8601 calendar dates, amounts are
decimal strings in 万元, and an empty string means "not given" (``None`` for optional dates and amounts, the
model's default for ``procedure`` / ``repair_status``). Timestamps are timezone-aware ``datetime`` objects.

Reading a message is the trust boundary between a node and the broker: any invalid record (bad date, unknown
category, unknown kind, a body that contradicts its kind) raises :class:`ValueError` naming the field. Error
messages name fields only and never quote record content (invariant 2: no record content in logs).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from types import UnionType
from typing import Any, NamedTuple, get_args

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ValidationError

from merge.domains import DOMAIN_BY_CODE
from merge.edition_rules import RULES, AnyRecord
from merge.editions import Edition
from merge.identifiers import InvalidIdentifier, Subject, SubjectKind, validate_resident_id, validate_uscc
from merge.records import CoerciveMeasure, DishonestyListEntry, Penalty, RecordKind
from merge.regions import Region
from protos.credit.v1 import adapter_pb2

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

RECORD_KIND_TO_PROTO: dict[RecordKind, adapter_pb2.RecordKind] = {
    RecordKind.PENALTY: adapter_pb2.RECORD_KIND_PENALTY,
    RecordKind.DISHONESTY_LIST_ENTRY: adapter_pb2.RECORD_KIND_DISHONESTY_LIST_ENTRY,
    RecordKind.COERCIVE_MEASURE: adapter_pb2.RECORD_KIND_COERCIVE_MEASURE,
}
RECORD_KIND_FROM_PROTO = {v: k for k, v in RECORD_KIND_TO_PROTO.items()}

# Model class and proto ``oneof body`` field name per record kind.
_BODIES: dict[RecordKind, tuple[type[BaseModel], str]] = {
    RecordKind.PENALTY: (Penalty, "penalty"),
    RecordKind.DISHONESTY_LIST_ENTRY: (DishonestyListEntry, "dishonesty_list_entry"),
    RecordKind.COERCIVE_MEASURE: (CoerciveMeasure, "coercive_measure"),
}
_WIRE_BODIES: dict[str, type[Message]] = {
    "penalty": adapter_pb2.Penalty,
    "dishonesty_list_entry": adapter_pb2.DishonestyListEntry,
    "coercive_measure": adapter_pb2.CoerciveMeasure,
}


@functools.cache
def _field_types(model: type[BaseModel], name: str) -> frozenset[type]:
    # Cached: reading ``model_fields`` goes through a pydantic descriptor.
    annotation = model.model_fields[name].annotation
    return frozenset(get_args(annotation)) if isinstance(annotation, UnionType) else frozenset({annotation})  # type: ignore[arg-type]


# How a wire field becomes a model value (see :func:`record_from_proto`).
_AS_IS, _DATE, _AMOUNT = 0, 1, 2
# What an empty string means for a field: a value like any other, None, or "not given" (the model default).
_EMPTY_IS_VALUE, _EMPTY_IS_NONE, _EMPTY_IS_DEFAULT = 0, 1, 2


class _FieldPlan(NamedTuple):
    name: str
    label: str  # "<body>.<field>", as error messages name it
    empty: int
    convert: int
    in_model: bool


@functools.cache
def _plan(model: type[BaseModel], body_name: str) -> tuple[_FieldPlan, ...]:
    """Per wire field of ``body_name``, in the message's field order, what :func:`record_from_proto` does with it.

    Worked out once per record kind: reading descriptors and the model's field types for every field of every
    record received was most of the broker's cost of converting a record.
    """
    plans = []
    for descriptor in _WIRE_BODIES[body_name].DESCRIPTOR.fields:
        name = descriptor.name
        if name not in model.model_fields:
            plans.append(_FieldPlan(name, f"{body_name}.{name}", _EMPTY_IS_VALUE, _AS_IS, False))
            continue
        types = _field_types(model, name)
        empty = _EMPTY_IS_VALUE if str in types else _EMPTY_IS_NONE if type(None) in types else _EMPTY_IS_DEFAULT
        convert = _DATE if date in types else _AMOUNT if Decimal in types else _AS_IS
        plans.append(_FieldPlan(name, f"{body_name}.{name}", empty, convert, True))
    return tuple(plans)


class _BodyPlan(NamedTuple):
    """:func:`_plan` split in two: the fields taken as they are, read all at once by one C-level getter, and the
    few that need a decision or a conversion in Python (empty means absent, dates, amounts, repeated fields)."""

    plain_names: tuple[str, ...]
    read_plain: Callable[[Any], tuple[Any, ...]]
    special: tuple[_FieldPlan, ...]
    #: A wire field the model does not have (the schemas disagree: every record of the kind is refused).
    unknown: _FieldPlan | None


@functools.cache
def _body_plan(model: type[BaseModel], body_name: str) -> _BodyPlan:
    plans = _plan(model, body_name)
    plain = tuple(
        p.name
        for p in plans
        if p.in_model
        and p.convert == _AS_IS
        and not _is_repeated(body_name, p.name)
        # "" is a value like any other, or the wire value is no string at all (a flag) and so never "".
        and (p.empty == _EMPTY_IS_VALUE or not _is_string(body_name, p.name))
    )
    special = tuple(p for p in plans if p.in_model and p.name not in plain)
    unknown = next((p for p in plans if not p.in_model), None)
    getter = operator.attrgetter(*plain) if plain else None

    def read_plain(body: Any) -> tuple[Any, ...]:
        if getter is None:
            return ()
        values = getter(body)
        return values if len(plain) > 1 else (values,)

    return _BodyPlan(plain, read_plain, special, unknown)


def _is_string(body_name: str, name: str) -> bool:
    descriptor = _WIRE_BODIES[body_name].DESCRIPTOR.fields_by_name[name]
    return bool(descriptor.type == descriptor.TYPE_STRING)


def _is_repeated(body_name: str, name: str) -> bool:
    return bool(_WIRE_BODIES[body_name].DESCRIPTOR.fields_by_name[name].is_repeated)


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


def _parse_amount(value: str, field: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{field}: not a decimal amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{field}: amount must be a finite, non-negative decimal")
    return amount


# ---- records ----------------------------------------------------------------------------------------------


def record_to_proto(record: AnyRecord) -> adapter_pb2.Record:
    """The wire form of a record.

    Only what the protocol declares is sent: ``region_code`` is not (the answer names its region), nor are
    model fields the message lacks (e.g. the subject identifier of a list entry, which the query already names).
    """
    _, body_name = _BODIES[record.kind]
    wire_fields = {f.name for f in _WIRE_BODIES[body_name].DESCRIPTOR.fields}
    body: dict[str, Any] = {}
    # mode="json" renders dates as ISO strings, decimals as strings and enums as their values.
    for name, value in record.model_dump(mode="json").items():
        if name in wire_fields:
            body[name] = "" if value is None else value
    return adapter_pb2.Record(
        record_id=record.record_id,
        domain=record.domain,
        kind=RECORD_KIND_TO_PROTO[record.kind],
        **{body_name: body},
    )


def record_from_proto(message: adapter_pb2.Record, region_code: str) -> AnyRecord:
    """The model for a received record, attributed to ``region_code``.

    Raises ValueError naming the field if the message is invalid.
    """
    kind = RECORD_KIND_FROM_PROTO.get(message.kind)
    if kind is None:
        raise ValueError(f"kind: unknown record kind {int(message.kind)}")
    model, body_name = _BODIES[kind]
    if message.WhichOneof("body") != body_name:
        raise ValueError(f"body: kind {kind.value} requires a {body_name} body")
    if not message.record_id:
        raise ValueError("record_id: empty")
    if message.domain not in DOMAIN_BY_CODE:
        raise ValueError("domain: not a code of the shared domain catalogue")

    body = getattr(message, body_name)
    plan = _body_plan(model, body_name)
    if plan.unknown is not None:
        raise ValueError(f"{plan.unknown.label}: no such field in the model")
    # Plain strings and flags are read in one C-level call; only the fields below need a decision each.
    data: dict[str, Any] = dict(zip(plan.plain_names, plan.read_plain(body), strict=True))
    data["region_code"] = region_code
    data["record_id"] = message.record_id
    data["domain"] = message.domain
    for name, label, empty, convert, _ in plan.special:
        value = getattr(body, name)
        if empty and isinstance(value, str) and not value:
            # "" means not given: None for optional values, the model default otherwise (or "required").
            if empty == _EMPTY_IS_NONE:
                data[name] = None
            continue
        if convert == _DATE:
            data[name] = parse_iso_date(value, label)
        elif convert == _AMOUNT:
            data[name] = _parse_amount(value, label)
        elif isinstance(value, str | bool):
            data[name] = value
        else:  # repeated scalar
            data[name] = tuple(value)
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        # Name the fields and the problem; never echo the input (it is record content).
        problems = "; ".join(
            f"{body_name}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ValueError(problems) from None


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
