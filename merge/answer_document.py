"""A region's answer document (``jjj.region-answer/1``): its schema, its one canonical encoding, and reading it back
from bytes with every check a node's mistake must not get past.

The document is what a node signs and the report embeds verbatim (protocol v2, ``protos/credit/v2``). Its form:

* canonical JSON: UTF-8, object keys sorted, no insignificant whitespace, no floats (dates and times as ISO
  strings, amounts as decimal strings in 万元); fields at their default (``""``, ``null``, ``false``, the default
  procedure and repair status) are left out, so a record holds only what the region filled in;
* ``records`` grouped by kind (``coercive_measure``, ``dishonesty_list_entry``, ``penalty``); each record is the
  :mod:`merge.records` model without ``region_code`` (the document names its region once).

The schema is derived from the record models (:func:`_wire_struct`), so the two cannot drift apart. Encoding and
decoding are msgspec's: decoding validates types on the bytes (dates, enumerations, domain codes, amounts) without
a pydantic model per field, and :func:`read_document` re-encodes what it decoded and requires the very same bytes,
so a document that is not canonical never reaches a report (a verifier re-canonicalises the parsed part to check
its signature: :func:`merge.canonical.canonical_json_of` gives these bytes back).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec
from pydantic_core import PydanticUndefined

from merge.confirmations import ConfirmationInvalid, WireConfirmation, check_confirmations
from merge.domains import DOMAINS
from merge.identifiers import SubjectKind
from merge.records import CoerciveMeasure, DishonestyListEntry, Licence, Penalty, RecordKind
from merge.regions import REGION_ORDER

SCHEMA: Literal["jjj.region-answer/1"] = "jjj.region-answer/1"

DomainCode = Literal[tuple(d.code for d in DOMAINS)]  # type: ignore[valid-type]
RegionCode = Literal[tuple(r.code for r in REGION_ORDER)]  # type: ignore[valid-type]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]

_CONFIG: dict[str, Any] = {"frozen": True, "forbid_unknown_fields": True, "kw_only": True, "gc": False}
# "deterministic": dict keys sorted, struct fields in declaration order, which is sorted by name for every struct
# here (tests/merge/test_answer_document.py checks): the same bytes as "sorted", without sorting fields per call.
_ENCODER = msgspec.json.Encoder(decimal_format="string", order="deterministic")


class SubjectStatus(StrEnum):
    """The subject as the answering region's register knows it."""

    REGISTERED = "registered"  # in the region's register, in business (存续) or a resident
    REVOKED = "revoked"  # business licence revoked (吊销)
    DEREGISTERED = "deregistered"  # deregistered (注销)
    NOT_REGISTERED = "not_registered"  # not in this region's register; the name, if any, is the records'


def _wire_type(annotation: Any) -> Any:
    """Enumerations as literals of their values: decoded as plain strings (hashing an enum member runs Python
    code, and the merge hashes categories), checked against the same values."""
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return Literal[tuple(member.value for member in annotation)]
    args = get_args(annotation)
    if get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return tuple[_wire_type(args[0]), ...]  # type: ignore[misc]
    return annotation


def _wire_struct(model: type[Penalty | DishonestyListEntry | CoerciveMeasure | Licence]) -> type[msgspec.Struct]:
    """The wire form of a record model: every field but ``region_code``, sorted by name, defaults as the model's;
    ``kind`` is a required literal (the model's default is its only value), ``domain`` a code of the catalogue."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, field in sorted(model.model_fields.items()):
        if name == "region_code":
            continue
        if name == "kind":
            fields.append((name, Literal[field.default.value]))
        elif name == "domain":
            fields.append((name, DomainCode))
        elif field.default is PydanticUndefined:
            fields.append((name, _wire_type(field.annotation)))
        else:
            default = field.default.value if isinstance(field.default, StrEnum) else field.default
            fields.append((name, _wire_type(field.annotation), default))
    return msgspec.defstruct(f"Wire{model.__name__}", fields, omit_defaults=True, **_CONFIG)


WirePenalty = _wire_struct(Penalty)
WireListEntry = _wire_struct(DishonestyListEntry)
WireCoerciveMeasure = _wire_struct(CoerciveMeasure)
WireLicence = _wire_struct(Licence)
WireRecord = Any  # one of the three wire structs (msgspec structs made at import time are not static types)
#: Record model and wire struct per kind, in the document's (sorted) order.
KINDS: dict[
    RecordKind, tuple[type[Penalty | DishonestyListEntry | CoerciveMeasure | Licence], type[msgspec.Struct]]
] = {
    RecordKind.COERCIVE_MEASURE: (CoerciveMeasure, WireCoerciveMeasure),
    RecordKind.DISHONESTY_LIST_ENTRY: (DishonestyListEntry, WireListEntry),
    RecordKind.LICENCE: (Licence, WireLicence),
    RecordKind.PENALTY: (Penalty, WirePenalty),
}


class AnswerRecords(msgspec.Struct, omit_defaults=True, **_CONFIG):
    coercive_measure: tuple[WireCoerciveMeasure, ...]  # type: ignore[valid-type]
    dishonesty_list_entry: tuple[WireListEntry, ...]  # type: ignore[valid-type]
    #: Administrative licences: not violations, so outside ``all()``, the summary and the matrix; left out when
    #: none (documents without licences keep their bytes).
    licence: tuple[WireLicence, ...] = ()  # type: ignore[valid-type]
    penalty: tuple[WirePenalty, ...]  # type: ignore[valid-type,misc]

    def all(self) -> list[WireRecord]:
        """Every violation record (licences apart), kind by kind in :data:`KINDS` order."""
        return [*self.coercive_measure, *self.dishonesty_list_entry, *self.penalty]


class AnswerSubject(msgspec.Struct, **_CONFIG):
    """The subject as the region knows it: a person's identifier masked, the registered name, the status."""

    identifier: str
    kind: SubjectKind
    name: str
    status: SubjectStatus


class AnswerSummary(msgspec.Struct, **_CONFIG):
    count_by_domain: dict[DomainCode, Annotated[int, msgspec.Meta(gt=0)]]  # type: ignore[valid-type]
    total: Annotated[int, msgspec.Meta(ge=0)]


class AnswerWindow(msgspec.Struct, **_CONFIG):
    from_: date = msgspec.field(name="from")
    to: date


class AnswerDocument(
    msgspec.Struct, omit_defaults=True, kw_only=True, frozen=True, forbid_unknown_fields=True, gc=False
):
    """``jjj.region-answer/1``: what one region answered to one consented query, as it signs it."""

    #: The report number the broker reserved for a report awaiting department confirmation (financial edition).
    confirmation_ref: str | None = None
    #: One per record when the edition needs department confirmation (:mod:`merge.confirmations`).
    confirmations: tuple[WireConfirmation, ...] = ()
    covered_domains: tuple[DomainCode, ...]  # type: ignore[valid-type]
    data_as_of: AwareDatetime
    #: The edition's name (a str, not :class:`Edition`: the reader compares it with what was asked).
    edition: str
    #: The digest of the edition file the node applied (:attr:`merge.edition_files.EditionSpec.digest`).
    edition_digest: str | None = None
    #: The version of the edition file the node applied.
    edition_version: str | None = None
    records: AnswerRecords
    region_code: RegionCode  # type: ignore[valid-type]
    request_id: str
    schema: Literal["jjj.region-answer/1"]
    subject: AnswerSubject
    summary: AnswerSummary
    warrant_id: str
    window: AnswerWindow


class AnswerInvalid(ValueError):
    """The document breaks the schema or its own statements; the message names where, never record content."""


_DECODER = msgspec.json.Decoder(AnswerDocument)
_AT = re.compile(r" - at `([^`]*)`$")


def encode_document(document: AnswerDocument) -> bytes:
    """The document's canonical bytes (what a node signs)."""
    return _ENCODER.encode(document)


def read_document(data: bytes) -> AnswerDocument:
    """Decode and check a document: schema and types, canonical form, summary equal to the records, record ids
    unique, every record in a covered domain, no full resident ID (:func:`merge.resident_ids.first_full_resident_id`
    applies). Raises :class:`AnswerInvalid`."""
    try:
        document = _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        at = _AT.search(str(exc))
        raise AnswerInvalid(f"invalid value at {at[1]}" if at else "does not match jjj.region-answer/1") from None
    except msgspec.DecodeError:
        raise AnswerInvalid("not JSON") from None
    if _ENCODER.encode(document) != data:
        raise AnswerInvalid("not in canonical form (sorted keys, no whitespace, defaults left out)")
    check_statements(document)
    return document


_DOMAIN = attrgetter("domain")
_RECORD_ID = attrgetter("record_id")
_FINE = attrgetter("fine_amount")
_CONFISCATED = attrgetter("confiscated_amount")


def check_statements(document: AnswerDocument) -> None:
    """What the document says of itself must hold of its records (:class:`AnswerInvalid` otherwise)."""
    from merge.resident_ids import first_full_resident_id  # beside the masking rule it checks

    records = document.records.all()
    summary = document.summary
    if summary.total != len(records):
        raise AnswerInvalid(f"summary total {summary.total}, but {len(records)} records")
    counts = Counter(map(_DOMAIN, records))
    if counts != summary.count_by_domain:
        raise AnswerInvalid("summary count_by_domain does not match the records")
    covered = set(document.covered_domains)
    if len(covered) != len(document.covered_domains):
        raise AnswerInvalid("covered_domains names a domain twice")
    if not counts.keys() <= covered:
        raise AnswerInvalid("records in domains the region does not cover")
    licences = document.records.licence
    if len(set(map(_RECORD_ID, chain(records, licences)))) != len(records) + len(licences):
        raise AnswerInvalid("duplicate record_id")
    if not set(map(_DOMAIN, licences)) <= covered:
        raise AnswerInvalid("licences in domains the region does not cover")
    if document.window.from_ > document.window.to:
        raise AnswerInvalid("window from is after to")
    amounts = [
        a
        for a in chain(map(_FINE, document.records.penalty), map(_CONFISCATED, document.records.penalty))
        if a is not None
    ]
    if amounts and not (all(map(Decimal.is_finite, amounts)) and min(amounts) >= 0):
        raise AnswerInvalid("an amount is not a finite, non-negative decimal")
    where = first_full_resident_id(document.records)
    if where is not None:
        raise AnswerInvalid(f"a full resident ID in {where}: the region must mask it before signing")
    if document.confirmations:
        try:
            check_confirmations(
                document.confirmations, {record.record_id: record for record in records},
                region_code=document.region_code, ref=document.confirmation_ref,
                subject=document.subject.identifier, edition=document.edition,
            )  # fmt: skip
        except ConfirmationInvalid as exc:
            raise AnswerInvalid(str(exc)) from None
    elif document.confirmation_ref and records:
        raise AnswerInvalid("a confirmation_ref, but no confirmation for the records")


def record_models(document: AnswerDocument) -> list[Penalty | DishonestyListEntry | CoerciveMeasure | Licence]:
    """The records as :mod:`merge.records` models attributed to the document's region (validated one by one:
    the readable path, for the reference merge and the PDF)."""
    out: list[Penalty | DishonestyListEntry | CoerciveMeasure | Licence] = []
    for model, _wire in KINDS.values():
        for record in getattr(document.records, model.model_fields["kind"].default.value):
            values = msgspec.structs.asdict(record)
            out.append(model.model_validate({**values, "region_code": document.region_code}))
    return out


def wire_record(record: Penalty | DishonestyListEntry | CoerciveMeasure | Licence) -> WireRecord:
    """The wire struct of a record model (values taken as they are: the model validated them)."""
    wire = KINDS[record.kind][1]
    values = {name: _plain(value) for name, value in record.__dict__.items() if name != "region_code"}
    return wire(**values)


def _plain(value: Any) -> Any:
    # The wire holds enumerations as their values (see _wire_type); msgspec leaves out a default only when it is
    # the default's own type.
    if isinstance(value, StrEnum):
        return value.value
    if type(value) is tuple and value and isinstance(value[0], StrEnum):
        return tuple(item.value for item in value)
    return value


def grouped(records: list[WireRecord]) -> AnswerRecords:
    """Wire records grouped by kind, in the order given within each kind."""
    by_kind: dict[str, list[WireRecord]] = {kind.value: [] for kind in KINDS}
    for record in records:
        by_kind[record.kind].append(record)
    return AnswerRecords(**{kind: tuple(items) for kind, items in by_kind.items()})


__all__ = [
    "KINDS",
    "SCHEMA",
    "AnswerDocument",
    "AnswerInvalid",
    "AnswerRecords",
    "AnswerSubject",
    "AnswerSummary",
    "AnswerWindow",
    "SubjectStatus",
    "encode_document",
    "grouped",
    "read_document",
    "record_models",
    "wire_record",
]
