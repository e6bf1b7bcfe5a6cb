"""The staff page's department confirmations (financial edition): a department's staff see the records their
department is asked to confirm, and confirm or annotate each one under the department's seal
(:class:`adapters.confirmations.ConfirmationStore`). Staff of no department see the queue, read-only.

Same rules as the ticket pages: signed-in staff only, CSRF token on every POST, ``no-store``; bad input is a 400
naming the field, a decision that cannot be taken (not your department, decided already, past due) a 409."""

from __future__ import annotations

from aiohttp import web

from adapters.confirmations import ConfirmationNotFound, ConfirmationRefused, ConfirmationStore
from adapters.seals import SealKeyMissing
from adapters.staff.confirmation_templates import CONFIRMATION_STATUS_NAMES, FIELD_NAMES
from adapters.staff.frame import page, session_of
from adapters.staff.sessions import csrf_ok

CONFIRMATIONS = web.AppKey("confirmations", ConfirmationStore)


def _store(request: web.Request) -> ConfirmationStore:
    store = request.app.get(CONFIRMATIONS)
    if store is None:
        raise web.HTTPNotFound(text="confirmations: this node takes no department confirmations")
    return store


async def confirmation_list(request: web.Request) -> web.Response:
    session = session_of(request)
    store = _store(request)
    status = request.query.get("status") or "pending"
    if status != "all" and status not in CONFIRMATION_STATUS_NAMES:
        raise web.HTTPBadRequest(text="status: all or one of " + ", ".join(CONFIRMATION_STATUS_NAMES))
    mine = await store.departments_of(session.username)
    items = await store.listing(mine or None, None if status == "all" else status)
    return page(request, "confirmations", session, items=items, departments=mine,
                 cstatuses=CONFIRMATION_STATUS_NAMES)  # fmt: skip


async def confirmation_detail(request: web.Request) -> web.Response:
    session = session_of(request)
    store = _store(request)
    try:
        item = await store.get(request.match_info["confirmation_id"])
    except ConfirmationNotFound:
        raise web.HTTPNotFound(text="confirmation: no such confirmation") from None
    mine = await store.departments_of(session.username)
    return page(request, "confirmation", session, c=item, can_decide=item.department_id in mine,
                 cstatuses=CONFIRMATION_STATUS_NAMES, fields=FIELD_NAMES)  # fmt: skip


async def confirmation_decide(request: web.Request) -> web.Response:
    session = session_of(request)
    store = _store(request)
    form = await request.post()
    if not csrf_ok(session, form.get("csrf_token")):
        raise web.HTTPBadRequest(text="csrf_token: missing or wrong")
    decision, annotation = form.get("decision"), form.get("annotation")
    if decision not in ("confirm", "annotate"):
        raise web.HTTPBadRequest(text="decision: confirm or annotate")
    if annotation is not None and not isinstance(annotation, str):
        raise web.HTTPBadRequest(text="annotation: text")
    text = (annotation or "").strip()
    if decision == "annotate" and not text:
        raise web.HTTPBadRequest(text="annotation: required to annotate")
    confirmation_id = request.match_info["confirmation_id"]
    try:
        await store.decide(confirmation_id, session.username, annotation=text if decision == "annotate" else None)
    except ConfirmationNotFound:
        raise web.HTTPNotFound(text="confirmation: no such confirmation") from None
    except (ConfirmationRefused, SealKeyMissing) as exc:
        raise web.HTTPConflict(text=str(exc)) from None
    raise web.HTTPSeeOther(f"/confirmations/{confirmation_id}")


def add_confirmation_routes(app: web.Application, store: ConfirmationStore | None) -> None:
    if store is not None:
        app[CONFIRMATIONS] = store
    app.router.add_get("/confirmations", confirmation_list)
    app.router.add_get("/confirmations/{confirmation_id}", confirmation_detail)
    app.router.add_post("/confirmations/{confirmation_id}/decide", confirmation_decide)
