"""The node's ticket RPCs (``FileTicket``, ``GetTickets``, ``ApplyRepairNotice``) over a :class:`TicketStore`.

Each call is refused unless its ticket warrant checks out (``PERMISSION_DENIED``: forged, expired, for another
region, subject, record, purpose or content, or replayed); bad input is ``INVALID_ARGUMENT`` naming the field; a
record this node does not hold for that subject is ``NOT_FOUND`` ("not this region's record"). Repair notices
need no warrant: their authority is the owning region's signature (:mod:`adapters.repair_notice`).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import grpc

from adapters.answer_signing import AnswerSignature, AnswerSigner
from adapters.answer_verify import AnswerVerifier
from adapters.attachments import AttachmentRefused, check_attachments
from adapters.convert import KIND_FROM_PROTO, KIND_TO_PROTO, SUBJECT_KIND_FROM_PROTO, InvalidRequest
from adapters.repair_notice import NoticeRefused, RepairNotice, read_notice, sign_notice
from adapters.server import WarrantRejected
from adapters.ticket_fields import FieldRefused
from adapters.ticket_models import Ticket, TicketKind, TicketStatus
from adapters.tickets import TicketRefused, TicketStore
from consent.ticket_warrants import ticket_body_digest
from merge.identifiers import InvalidIdentifier, Subject, SubjectKind, validate_resident_id, validate_uscc
from protos.credit.v2 import adapter_pb2

log = logging.getLogger(__name__)

_RECORD_ID_MAX = 40


class TicketWarrants(Protocol):
    async def verify(self, token: bytes, subject: Subject, *, purpose: str, record_id: str, body: str) -> None: ...


def subject_of(subject_id: str, subject_kind: int) -> Subject:
    kind = SUBJECT_KIND_FROM_PROTO.get(subject_kind)  # type: ignore[call-overload]
    if kind is None:
        raise InvalidRequest("subject_kind: must be SUBJECT_KIND_ENTERPRISE or SUBJECT_KIND_PERSON")
    try:
        validate = validate_uscc if kind is SubjectKind.ENTERPRISE else validate_resident_id
        return Subject(kind, validate(subject_id))
    except InvalidIdentifier as exc:
        raise InvalidRequest(f"subject_id: {exc}") from None


def ticket_to_proto(ticket: Ticket) -> adapter_pb2.TicketInfo:
    return adapter_pb2.TicketInfo(
        ticket_id=ticket.ticket_id, region_code=ticket.region_code, record_id=ticket.record_id,
        kind=KIND_TO_PROTO[ticket.kind], status=ticket.status.value, filed_at=ticket.filed_at.isoformat(),
        due_on=ticket.due_on.isoformat(), closed_at=ticket.closed_at.isoformat() if ticket.closed_at else "",
        history=[adapter_pb2.TicketEvent(at=e.at.isoformat(), status=e.status.value, note=e.note)
                 for e in ticket.history],
        field=ticket.field,
    )  # fmt: skip


class TicketDesk:
    """What the gRPC service delegates the ticket RPCs to."""

    def __init__(
        self, store: TicketStore, warrants: TicketWarrants, signer: AnswerSigner | None, notices: AnswerVerifier | None
    ) -> None:
        self.store = store
        self._warrants = warrants
        self._signer = signer
        self._notices = notices

    async def file(self, request: adapter_pb2.FileTicketRequest, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            subject = subject_of(request.subject_id, request.subject_kind)
            kind = KIND_FROM_PROTO.get(request.kind)
            if kind is None:
                raise InvalidRequest("kind: must be TICKET_KIND_OBJECTION or TICKET_KIND_REPAIR")
            if not request.record_id or len(request.record_id) > _RECORD_ID_MAX:
                raise InvalidRequest("record_id: required, at most 40 characters")
            attachments = check_attachments([(a.filename, a.content) for a in request.attachments])
        except (InvalidRequest, AttachmentRefused) as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        body = ticket_body_digest(
            kind=kind.value, field=request.field, current_value=request.current_value,
            proposed_value=request.proposed_value, reason=request.reason,
            attachments=[a.content for a in request.attachments],
        )  # fmt: skip
        try:
            await self._warrants.verify(
                request.warrant, subject, purpose=kind.value, record_id=request.record_id, body=body
            )
        except WarrantRejected as exc:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"warrant: {exc}")
        try:
            ticket = await self.store.file(
                subject, request.record_id, kind, field=request.field, current_value=request.current_value,
                proposed_value=request.proposed_value, reason=request.reason, attachments=attachments,
            )  # fmt: skip
        except FieldRefused as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except TicketRefused as exc:
            code = (
                grpc.StatusCode.NOT_FOUND if str(exc).startswith("record_id: not") else grpc.StatusCode.INVALID_ARGUMENT
            )
            await context.abort(code, str(exc))
        log.info("ticket filed id=%s kind=%s request_id=%s", ticket.ticket_id, kind.value, request.request_id[:64])
        return ticket_to_proto(ticket)

    async def get(self, request: adapter_pb2.GetTicketsRequest, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        ids = sorted(request.ticket_ids)
        try:
            if request.subject_id == "" and ids:
                # By ticket ids alone: the broker keeps no subject identifier, only which ticket ids are whose.
                kind = SUBJECT_KIND_FROM_PROTO.get(request.subject_kind)
                if kind is None:
                    raise InvalidRequest("subject_kind: must be SUBJECT_KIND_ENTERPRISE or SUBJECT_KIND_PERSON")
                subject = Subject(kind, "")
            else:
                subject = subject_of(request.subject_id, request.subject_kind)
        except InvalidRequest as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        try:
            await self._warrants.verify(request.warrant, subject, purpose="status", record_id="", body=",".join(ids))
        except WarrantRejected as exc:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"warrant: {exc}")
        tickets = await self.store.for_subject(subject, ids)
        notices = []
        for ticket in tickets:
            if ticket.kind is TicketKind.REPAIR and ticket.status is TicketStatus.APPROVED and self._signer:
                notice = await self._notice(ticket)
                if notice is not None:
                    notices.append(notice)
        return adapter_pb2.GetTicketsResponse(tickets=[ticket_to_proto(t) for t in tickets], notices=notices)

    async def _notice(self, ticket: Ticket) -> adapter_pb2.RepairNotice | None:
        key = await self.store.record_key(ticket.record_id)
        if key is None or key["repaired_on"] is None or self._signer is None:
            return None
        notice = RepairNotice(self.store.region.code, ticket.ticket_id, key["dedup_key"], key["repaired_on"])
        document, signature = sign_notice(notice, self._signer)
        return adapter_pb2.RepairNotice(document=document, signature=adapter_pb2.AnswerSignature(
            scheme=signature.scheme, signature=signature.signature, certificate=signature.certificate))  # fmt: skip

    async def apply(
        self, request: adapter_pb2.ApplyRepairNoticeRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Any:
        if self._notices is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "this node has no federation CA to check notices")
        sig = request.notice.signature
        try:
            notice = read_notice(
                request.notice.document, AnswerSignature(sig.scheme, sig.signature, sig.certificate), self._notices,
                self.store.region,
            )  # fmt: skip
        except NoticeRefused as exc:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(exc))
        applied = await self.store.apply_repair(
            notice.dedup_key, notice.repaired_on, note=f"repair by {notice.region_code}"
        )
        log.info("repair notice from %s ticket=%s applied=%d", notice.region_code, notice.ticket_id, applied)
        return adapter_pb2.ApplyRepairNoticeResponse(applied=applied)
