"""The report context's values: the request body (validated into domain values, every error naming its field),
the report as issued, and what the audit log records of a request."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from broker.errors import InvalidRequest, MalformedBody
from broker.reports.issuance import Issuance
from consent.authority import QueryAuthority
from merge.edition_rules import RULES
from merge.editions import Edition, validate_purpose, validate_window_years
from merge.identifiers import InvalidIdentifier, Subject, parse_subject
from merge.report import Report


class ReportRequestBody(BaseModel):
    """``POST /v1/reports``. ``window_years`` is ignored by editions with a fixed window (listing: 36 months)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    edition: Edition = Edition.STANDARD
    window_years: int = 3
    purpose: str

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        try:
            parsed = parse_subject(value)
        except InvalidIdentifier as exc:
            raise ValueError(str(exc)) from None
        return parsed.identifier

    @field_validator("window_years")
    @classmethod
    def _window(cls, value: int) -> int:
        return validate_window_years(value)

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str) -> str:
        return validate_purpose(value)

    @cached_property
    def parsed_subject(self) -> Subject:
        # Parsed once per request (the authority, the service and the checks all ask for it): the checksum
        # validation behind it is not free.
        return parse_subject(self.subject)


def _first_error(exc: ValidationError) -> InvalidRequest:
    error = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or "body"
    message = str(error["msg"]).removeprefix("Value error, ")
    return InvalidRequest(f"{field}: {message}", field=field)


def parse_report_request(payload: Any) -> ReportRequestBody:
    if not isinstance(payload, dict):
        raise MalformedBody("the body must be a JSON object")
    try:
        body = ReportRequestBody.model_validate(payload)
    except ValidationError as exc:
        raise _first_error(exc) from None
    subject = body.parsed_subject
    if subject.kind not in RULES[body.edition].subject_kinds:
        raise InvalidRequest(
            f"edition: the {body.edition.value} edition is not available for a {subject.kind.value} subject",
            field="edition",
        )
    return body


@dataclass(frozen=True, slots=True)
class IssuedReport:
    """A report as issued: the model, its canonical JSON (the body a verifier hashes), digest and issuance."""

    report: Report
    body: bytes
    digest: str
    #: The verification code, JWS and snapshot this report was issued with (broker/reports/issuance.py).
    issuance: Issuance


@dataclass(frozen=True, slots=True)
class ReportEvent:
    """What the audit log records of one report request, issued or failed: plain values, no record content."""

    authority: QueryAuthority
    edition: Edition
    purpose: str
    request_id: str
    outcome: str
    detail: dict[str, str]
