"""Objections and repair requests at the broker: route each to the region that owns the record, keep only ticket
id, region, status and dates (invariant 2), suspend the issued reports holding a disputed record, follow the
tickets' status, and relay repair notices to the other regions.

Decisions (issue 12):

* The owner is the region whose record the subject disputes (the record's ``region`` in the report); its node
  refuses a record it does not hold for that subject.
* While an objection is open, every issued report holding the record (any region's copy: they share the record
  id) verifies ``suspended`` with the reason. When it closes *rejected* the reports are ``valid`` again (the record
  stood); when it is *accepted* they stay ``suspended`` with the outcome as reason — they show a record the region
  has since corrected or withdrawn, and a new report shows the correction. Repair requests suspend nothing: a
  repaired record was true when reported.
* Status reaches the broker when the subject's tickets are read (account page, ``GET /v1/objections``): the
  broker asks the owning nodes then, updates what it keeps, reinstates reports, and relays each approved repair's
  signed notice to the other regions once (:mod:`adapters.repair_notice`: the nodes trust the owner's signature,
  not the broker).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from adapters.convert import KIND_TO_PROTO, SUBJECT_KIND_TO_PROTO
from adapters.ticket_client import TicketCallFailed, TicketClient
from adapters.ticket_models import TicketKind
from broker.errors import InvalidRequest
from broker.keys import KeyRing
from broker.objections.errors import translate
from broker.objections.store import StoredTicket, TicketIndex
from broker.reports.snapshots import ReportStatus, SnapshotStore
from consent.ticket_warrants import issue_ticket_warrant, ticket_body_digest
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region
from protos.credit.v2 import adapter_pb2

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
SUSPENDED_OPEN = "异议处理中"
SUSPENDED_UPHELD = "异议成立，相关信息已更正或撤销，请以新出具的报告为准"


@dataclass(frozen=True, slots=True)
class TicketForm:
    region: Region
    record_id: str
    kind: TicketKind
    field: str
    current_value: str
    proposed_value: str
    reason: str
    attachments: tuple[tuple[str, bytes], ...]


class ObjectionService:
    def __init__(
        self,
        clients: Mapping[Region, TicketClient],
        index: TicketIndex,
        snapshots: SnapshotStore,
        keyring: KeyRing,
        *,
        issuer: str,
    ) -> None:
        self._clients = clients
        self._index = index
        self._snapshots = snapshots
        self._keyring = keyring
        self._issuer = issuer

    def _warrant(
        self, region: Region, subject: Subject, purpose: str, record_id: str, body: str, now: datetime
    ) -> bytes:
        return issue_ticket_warrant(
            self._keyring.active, issuer=self._issuer, region_code=region.code, subject=subject, purpose=purpose,
            record_id=record_id, body=body, now=now,
        ).encode("ascii")  # fmt: skip

    async def file(self, subject: Subject, subject_ref: str, form: TicketForm, now: datetime) -> StoredTicket:
        client = self._clients.get(form.region)
        if client is None:
            raise InvalidRequest("region: no node for this region", field="region")
        contents = [content for _, content in form.attachments]
        body = ticket_body_digest(
            kind=form.kind.value, field=form.field, current_value=form.current_value,
            proposed_value=form.proposed_value, reason=form.reason, attachments=contents,
        )  # fmt: skip
        request_id = uuid.uuid4().hex
        request = adapter_pb2.FileTicketRequest(
            subject_id=subject.identifier, subject_kind=SUBJECT_KIND_TO_PROTO[subject.kind], record_id=form.record_id,
            kind=KIND_TO_PROTO[form.kind], field=form.field, current_value=form.current_value,
            proposed_value=form.proposed_value, reason=form.reason, request_id=request_id,
            attachments=[adapter_pb2.Attachment(filename=name, content=content) for name, content in form.attachments],
            warrant=self._warrant(form.region, subject, form.kind.value, form.record_id, body, now),
        )  # fmt: skip
        try:
            info = await client.file(request, timeout=TIMEOUT_S)
        except TicketCallFailed as exc:
            raise translate(exc) from None
        reports: list[str] = []
        if form.kind is TicketKind.OBJECTION:
            for report_no in await self._index.reports_with(form.record_id):
                if await self._snapshots.set_status(report_no, ReportStatus.SUSPENDED, SUSPENDED_OPEN):
                    reports.append(report_no)
        ticket = _stored(info, form.region, reports=tuple(reports))
        await self._index.save(subject_ref, ticket)
        log.info("ticket %s filed at %s (%s), %d report(s) suspended", info.ticket_id, form.region.value,
                 form.kind.value, len(reports))  # fmt: skip
        return ticket

    async def tickets(self, subject_ref: str, subject_kind: SubjectKind, now: datetime) -> list[StoredTicket]:
        """The subject's tickets, brought up to date from the owning nodes (a node that does not answer leaves its
        tickets as last known)."""
        stored = await self._index.for_subject(subject_ref)
        by_region: dict[str, list[StoredTicket]] = {}
        for ticket in stored:
            by_region.setdefault(ticket.region, []).append(ticket)
        updated: dict[str, StoredTicket] = {t.ticket_id: t for t in stored}
        for region_value, tickets in by_region.items():
            region = Region(region_value)
            client = self._clients.get(region)
            if client is None:
                continue
            ids = sorted(t.ticket_id for t in tickets)
            # By ticket ids: the broker holds no subject identifier outside a request the subject makes.
            ask = Subject(subject_kind, "")
            request = adapter_pb2.GetTicketsRequest(
                subject_kind=SUBJECT_KIND_TO_PROTO[subject_kind], ticket_ids=ids, request_id=uuid.uuid4().hex,
                warrant=self._warrant(region, ask, "status", "", ",".join(ids), now),
            )  # fmt: skip
            try:
                answer = await client.get(request, timeout=TIMEOUT_S)
            except TicketCallFailed as exc:
                log.warning("tickets at %s not refreshed: %s", region.value, exc.code)
                continue
            notices = {_notice_ticket(n): n for n in answer.notices}
            for info in answer.tickets:
                old = updated.get(info.ticket_id)
                if old is None:
                    continue
                new = await self._follow(old, _stored(info, region, reports=old.reports, relayed=old.relayed),
                                         notices.get(info.ticket_id), region)  # fmt: skip
                if new != old:
                    await self._index.save(subject_ref, new)
                    updated[new.ticket_id] = new
        return sorted(updated.values(), key=lambda t: t.filed_at, reverse=True)

    async def _follow(
        self, old: StoredTicket, new: StoredTicket, notice: adapter_pb2.RepairNotice | None, owner: Region
    ) -> StoredTicket:
        if old.status == "open" and new.status != "open" and new.kind == TicketKind.OBJECTION.value:
            for report_no in new.reports:
                if new.status == "rejected":
                    await self._snapshots.set_status(report_no, ReportStatus.VALID, "")
                else:
                    await self._snapshots.set_status(report_no, ReportStatus.SUSPENDED, SUSPENDED_UPHELD)
        if notice is not None and not new.relayed and await self._relay(notice, owner):
            new = replace(new, relayed=True)
        return new

    async def _relay(self, notice: adapter_pb2.RepairNotice, owner: Region) -> bool:
        """Send the owner's signed notice to every other region; True when all of them took it."""
        every = True
        for region, client in self._clients.items():
            if region is owner:
                continue
            try:
                applied = await client.apply(notice, request_id=uuid.uuid4().hex, timeout=TIMEOUT_S)
                log.info("repair notice from %s relayed to %s: %d copies", owner.value, region.value, applied)
            except TicketCallFailed as exc:
                log.warning("repair notice to %s failed: %s", region.value, exc.code)
                every = False
        return every


def _notice_ticket(notice: adapter_pb2.RepairNotice) -> str:
    import json

    try:
        return str(json.loads(notice.document).get("ticket_id", ""))
    except ValueError:
        return ""


def _stored(
    info: adapter_pb2.TicketInfo, region: Region, *, reports: Sequence[str], relayed: bool = False
) -> StoredTicket:
    kind = TicketKind.OBJECTION if info.kind == adapter_pb2.TICKET_KIND_OBJECTION else TicketKind.REPAIR
    return StoredTicket(
        ticket_id=info.ticket_id, region=region.value, kind=kind.value, status=info.status, filed_at=info.filed_at,
        due_on=info.due_on, closed_at=info.closed_at, reports=tuple(reports), relayed=relayed,
        history=tuple({"at": e.at, "status": e.status} for e in info.history),
    )  # fmt: skip
