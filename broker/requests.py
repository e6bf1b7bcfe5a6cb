"""The report request body, validated into domain values; every error names its field."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from broker.errors import BodyTooLarge, InvalidRequest, MalformedBody
from merge.edition_rules import RULES
from merge.editions import Edition, validate_purpose, validate_window_years
from merge.identifiers import InvalidIdentifier, Subject, parse_subject


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


async def read_json(request: web.Request, max_bytes: int) -> Any:
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None
