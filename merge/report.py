"""The report models: these ARE the report JSON.

The broker returns ``report.model_dump(mode="json", by_alias=True)`` unchanged, :mod:`merge.canonical` signs
its canonical form and the PDF renders it, so a field here is a field of the public document. Keys that are
Python keywords or shadow pydantic attributes (``schema``, ``from``) are aliases; always dump with
``by_alias=True``.

Schema ``jjj.report/2``: each answered region's line carries its signed part (``regions[].answer``: the region's
answer document verbatim, its signature and certificate), so anyone can check a region's records and statement
against that region's key; ``records`` refers to records by region and ``record_id`` — their content lives once,
inside the region parts (:func:`merge.report_content.record_contents` looks them up).

All models are frozen and validate as usual. :func:`merge.merging.merge_report` builds them as written;
the fast merge (:mod:`merge.fast`) builds the same models without re-validating parts it built itself. One
field's type comes from the fast path: :attr:`Report.records` is its column store, which pydantic validates,
serialises and describes as an array of :class:`ReportRecord`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from merge.answers import RegionStatus
from merge.edition_rules import RULES
from merge.editions import PURPOSE_BY_CODE, Edition
from merge.fast.report_records import ReportRecords
from merge.identifiers import Subject, SubjectKind, validate_resident_id, validate_uscc
from merge.records import RecordKind
from merge.report_record import REPORT_MODEL_CONFIG, ReportRecord
from merge.signed_part import SignedPart

__all__ = [
    "SCHEMA",
    "CellState",
    "LicenceItem",
    "MatrixCell",
    "MatrixRow",
    "RegionSummary",
    "Report",
    "ReportQuery",
    "ReportRecord",
    "ReportSubject",
    "ReportSummary",
    "ReportWindow",
]

SCHEMA: Literal["jjj.report/2"] = "jjj.report/2"

_CONFIG = REPORT_MODEL_CONFIG


def _subject_from_input(value: object) -> Subject:
    """Accept a :class:`Subject` or ``{"kind", "identifier"}`` and re-check the identifier's checksum."""
    if isinstance(value, Subject):
        kind, identifier = value.kind, value.identifier
    elif isinstance(value, dict) and set(value) == {"kind", "identifier"}:
        kind, identifier = SubjectKind(value["kind"]), str(value["identifier"])
    else:
        raise ValueError("subject must be a Subject or an object with kind and identifier")
    check = validate_resident_id if kind is SubjectKind.PERSON else validate_uscc
    return Subject(kind, check(identifier))


def _subject_to_json(subject: Subject) -> dict[str, str]:
    return {"kind": subject.kind.value, "identifier": subject.identifier}


_SUBJECT_SCHEMA = {
    "type": "object",
    "properties": {"kind": {"enum": [k.value for k in SubjectKind]}, "identifier": {"type": "string"}},
    "required": ["kind", "identifier"],
}
SubjectField = Annotated[
    Subject,
    PlainValidator(_subject_from_input),
    PlainSerializer(_subject_to_json),
    WithJsonSchema(_SUBJECT_SCHEMA),
]


class ReportQuery(BaseModel):
    """What was asked: the subject, the edition, the purpose and the window (inclusive dates).

    Not part of the report: it holds the full identifier (the report shows a person's masked). Building it
    re-checks the identifier's checksum and that the edition is issued for the subject's kind.
    """

    model_config = _CONFIG

    subject: SubjectField
    edition: Edition
    purpose: str
    window_from: date
    window_to: date
    application_date: date

    @field_validator("purpose")
    @classmethod
    def _known_purpose(cls, value: str) -> str:
        if value not in PURPOSE_BY_CODE:
            raise ValueError(f"unknown purpose {value!r}; expected one of {sorted(PURPOSE_BY_CODE)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.window_from > self.window_to:
            raise ValueError("window_from is after window_to")
        if self.subject.kind not in RULES[self.edition].subject_kinds:
            raise ValueError(f"edition {self.edition.value!r} is not issued for a {self.subject.kind.value} subject")
        return self


class CellState(StrEnum):
    NO_RECORD = "no_record"  # answered, covers the domain, nothing to show
    RECORDS = "records"  # answered and sent ``count`` records in the domain
    NOT_COVERED = "not_covered"  # answered, but does not collect this domain
    NOT_ANSWERED = "not_answered"  # the region did not answer: nothing can be said


class MatrixCell(BaseModel):
    model_config = _CONFIG

    state: CellState
    count: int = Field(ge=0)


class MatrixRow(BaseModel):
    """One domain; ``cells`` maps region code to its cell, in report region order."""

    model_config = _CONFIG

    domain: str
    domain_name: str
    cells: dict[str, MatrixCell]


class RegionSummary(BaseModel):
    """One region's outcome. ``covered_domain_count`` and ``record_count`` are 0 unless it answered; an answered
    region has its signed part (``answer``) and the subject of the certificate that signed it (``signed_by``)."""

    model_config = _CONFIG

    code: str
    name: str
    status: RegionStatus
    latency_ms: float = Field(ge=0, allow_inf_nan=False)
    data_as_of: AwareDatetime | None
    covered_domain_count: int = Field(ge=0)
    record_count: int = Field(ge=0)
    error: str | None
    signed_by: str | None
    answer: SignedPart | None

    @model_validator(mode="after")
    def _part_only_if_answered(self) -> Self:
        if (self.answer is not None) != (self.status is RegionStatus.ANSWERED):
            raise ValueError("answer: present exactly when the region answered")
        return self


class ReportSubject(BaseModel):
    """The subject as printed: a person's resident ID is masked here, always."""

    model_config = _CONFIG

    kind: SubjectKind
    identifier: str
    name: str


class ReportWindow(BaseModel):
    model_config = _CONFIG

    from_: date = Field(alias="from")
    to: date


class ReportSummary(BaseModel):
    """Counts: ``total_records`` after merging duplicates; ``by_region`` as each region reported them."""

    model_config = _CONFIG

    total_records: int = Field(ge=0)
    by_kind: dict[RecordKind, int]
    by_region: dict[str, int]
    duplicates_merged: int = Field(ge=0)


class LicenceItem(BaseModel):
    """One administrative licence (行政许可) the report lists: a reference into its region's signed part
    (:mod:`merge.licences`). Not a record of the report: never counted, merged or stated per domain."""

    model_config = _CONFIG

    region: str
    record_id: str
    domain: str
    decided_on: date
    valid_until: date | None


class Report(BaseModel):
    """One "one login, three regions" report (schema ``jjj.report/2``).

    ``complete`` is true only when all three regions answered; ``certificate_usable`` equals it (an incomplete
    report never stands in for a 无违法违规证明).
    """

    model_config = _CONFIG

    schema_: Literal["jjj.report/2"] = Field(SCHEMA, alias="schema")
    report_no: str = Field(min_length=1)
    issued_at: AwareDatetime
    edition: Edition
    edition_name: str
    purpose: str
    purpose_name: str
    subject: ReportSubject
    window: ReportWindow
    application_date: date
    complete: bool
    certificate_usable: bool
    notice: str
    regions: tuple[RegionSummary, ...]
    matrix: tuple[MatrixRow, ...]
    #: The seam with the fast path: held column by column (merge.fast.report_records); takes any sequence of
    #: ReportRecord (or their JSON) and reads, validates and serialises as a tuple of them.
    records: ReportRecords
    #: 行政许可, in their own section (:mod:`merge.licences`): they never make a report unclean.
    licences: tuple[LicenceItem, ...] = ()
    summary: ReportSummary

    @model_validator(mode="after")
    def _certificate_only_if_complete(self) -> Self:
        if self.certificate_usable != self.complete:
            raise ValueError("certificate_usable must equal complete")
        return self
