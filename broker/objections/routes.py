"""Objection routes: file an objection or a repair request about a record of a report (API and form), list mine.

``POST /v1/objections`` (multipart/form-data; session + CSRF token in the header or the form): ``subject`` (the
signed-in subject's own identifier, checked against the session), ``region`` and ``record_id`` (as the report
lists the record), ``kind`` (``objection`` | ``repair``), ``field``, ``current_value``, ``proposed_value``,
``reason``, up to three ``attachments`` (PDF / PNG / JPEG, 1 MiB each). A form post is answered with a redirect
to the account page; the API with the ticket as JSON (201).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from adapters.ticket_models import TicketKind
from broker.errors import ConsentRequired, InvalidRequest
from broker.objections.appkeys import OBJECTIONS
from broker.objections.multipart import read_objection_form
from broker.objections.service import TicketForm
from broker.web.appkeys import CLOCK, SETTINGS
from broker.web.openapi import error
from broker.web.routing import Route
from broker.web.sessions import CSRF_FIELD, current_session, require_session
from broker.web.templates import render
from consent.accounts import subject_ref
from merge.identifiers import InvalidIdentifier, parse_subject
from merge.regions import Region

_RECORD_ID_MAX = 40


def _form(fields: dict[str, str], files: list[tuple[str, bytes]]) -> TicketForm:
    try:
        region = Region.parse(fields.get("region", ""))
    except ValueError:
        raise InvalidRequest("region: beijing, tianjin or hebei", field="region") from None
    record_id = fields.get("record_id", "").strip()
    if not record_id or len(record_id) > _RECORD_ID_MAX:
        raise InvalidRequest("record_id: required (as the report lists it)", field="record_id")
    try:
        kind = TicketKind(fields.get("kind", ""))
    except ValueError:
        raise InvalidRequest("kind: objection or repair", field="kind") from None
    reason = fields.get("reason", "").strip()
    if not reason:
        raise InvalidRequest("reason: required", field="reason")
    field = fields.get("field", "").strip() if kind is TicketKind.OBJECTION else ""
    if kind is TicketKind.OBJECTION and not field:
        raise InvalidRequest("field: name the field disputed, or withdraw", field="field")
    return TicketForm(
        region=region, record_id=record_id, kind=kind, field=field, current_value=fields.get("current_value", ""),
        proposed_value=fields.get("proposed_value", ""), reason=reason, attachments=tuple(files),
    )  # fmt: skip


async def file_ticket(request: web.Request) -> web.Response:
    session = await require_session(request)
    upload = await read_objection_form(request)
    fields = upload.fields
    from_form = CSRF_FIELD in fields
    await require_session(request, fields.get(CSRF_FIELD), check_csrf=True)
    try:
        subject = parse_subject(fields.get("subject", ""))
    except (InvalidIdentifier, ValueError):
        raise InvalidRequest("subject: your USCC or resident ID", field="subject") from None
    secret = request.app[SETTINGS].subject_key_secret.get_secret_value().encode()
    if subject_ref(secret, subject) != session.account.ref:
        raise ConsentRequired("subject: you may file only about your own records", field="subject")
    ticket = await request.app[OBJECTIONS].file(
        subject, session.account.ref, _form(fields, upload.files), request.app[CLOCK].now()
    )
    if from_form:
        raise web.HTTPSeeOther("/account?changed=ticket#tickets")
    return web.json_response(asdict(ticket), status=201, headers={"Cache-Control": "no-store"})


async def list_tickets(request: web.Request) -> web.Response:
    session = await require_session(request)
    tickets = await request.app[OBJECTIONS].tickets(session.account.ref, session.account.kind, request.app[CLOCK].now())
    return web.json_response({"tickets": [asdict(t) for t in tickets]}, headers={"Cache-Control": "no-store"})


async def new_ticket_page(request: web.Request) -> web.Response:
    session = await current_session(request)
    if session is None:
        raise web.HTTPSeeOther(f"/signin?next={request.path}")
    query = request.query
    kind = query.get("kind", "objection")
    values: dict[str, Any] = {k: query.get(k, "") for k in ("region", "record_id", "field", "current_value")}
    return render(request, "objection_new.html.j2", account=session.account, csrf_token=session.csrf_token,
                  kind="repair" if kind == "repair" else "objection", **values)  # fmt: skip


_MULTIPART: dict[str, Any] = {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object"}}}}

ROUTES = (
    Route(
        "POST",
        "/v1/objections",
        file_ticket,
        {
            "summary": "File an objection (异议) or a repair request (信用修复) about one record; routed to its region",
            "requestBody": _MULTIPART,
            "responses": {
                "201": {"description": "the ticket: id, region, status, dates"},
                "303": {"description": "form post: back to the account page"},
                "400": error("broken multipart (the field is named)"),
                "401": error("not signed in"),
                "403": error("CSRF token missing, or not your record"),
                "404": error("not that region's record"),
                "413": error("an attachment or field too large"),
                "422": error("a field is wrong (named)"),
                "503": error("the region did not answer"),
            },
        },
    ),
    Route(
        "GET",
        "/v1/objections",
        list_tickets,
        {
            "summary": "My objections and repair requests, status and history brought up to date from the regions",
            "responses": {"200": {"description": "tickets"}, "401": error("not signed in")},
        },
    ),
    Route(
        "GET",
        "/account/objections/new",
        new_ticket_page,
        {
            "summary": "The form to file an objection or a repair request about a record (HTML)",
            "responses": {"200": {"description": "HTML form"}, "303": {"description": "sign in first"}},
        },
    ),
)
