"""The node's ticket store and workflow: objections (异议) and repair requests (信用修复) about its own records.

Contracts:

* :meth:`TicketStore.file` takes a ticket only for a penalty this region holds for that subject
  (:class:`TicketRefused` otherwise: "not this region's record"), checks field, value and attachments, and in one
  transaction writes the ticket, its attachments and its first event, and marks the record: an objection sets
  ``objection_open`` (so every answer carries 异议处理中), a repair request sets ``repair_status=in_progress``.
* :meth:`TicketStore.decide` closes an open ticket once. Accepting an objection applies the proposed value (or
  withdraws the record: the row is deleted, the event keeps it); approving a repair marks the record repaired on
  the decision date with the basis as note; rejecting records the reason and puts the record back as it was.
  Every change is an event with its before/after; nothing in ``ticket_events`` is ever updated or deleted.
* :meth:`TicketStore.apply_repair` marks this region's copy of a decision repaired (the owner's signed notice,
  :mod:`adapters.repair_notice`), matched on the natural key, with an event on no ticket of its own (logged).
* Due dates count working days (:mod:`adapters.due_dates`), ``due_working_days`` (5 by default) after filing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapters.attachments import CheckedAttachment
from adapters.due_dates import DEFAULT_DUE_WORKING_DAYS, add_working_days
from adapters.raw_sql import lock_schema, sqlite_pragmas
from adapters.schema import meta, metadata, penalties
from adapters.store import normalise_url
from adapters.ticket_fields import WITHDRAW, check_field, column_value, shown
from adapters.ticket_models import Ticket, TicketEventView, TicketKind, TicketStatus
from adapters.ticket_schema import record_tickets, ticket_attachments, ticket_events, ticket_metadata
from merge.identifiers import Subject, SubjectKind
from merge.records import RepairStatus
from merge.regions import Region

log = logging.getLogger(__name__)


class TicketRefused(ValueError):
    """The ticket cannot be filed or decided; the message names the field or the reason (no record content)."""


class TicketNotFound(LookupError):
    pass


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TicketStore:
    """Tickets of one region's node. Open with :meth:`open` (creates the tables), release with :meth:`close`."""

    def __init__(
        self,
        engine: AsyncEngine,
        region: Region,
        *,
        due_working_days: int = DEFAULT_DUE_WORKING_DAYS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if due_working_days < 1:
            raise ValueError("due_working_days: at least 1")
        self._engine = engine
        self.region = region
        self.due_working_days = due_working_days
        self._clock = clock

    @classmethod
    async def open(cls, db_url: str, region: Region, **options: Any) -> TicketStore:
        engine = create_async_engine(make_url(normalise_url(db_url)))
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        try:
            async with engine.begin() as conn:
                await lock_schema(conn)
                await conn.run_sync(metadata.create_all)  # the record tables, in case the store was never opened
                await conn.run_sync(ticket_metadata.create_all)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, region, **options)

    async def close(self) -> None:
        await self._engine.dispose()

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    # ---- filing -----------------------------------------------------------------------------------------------

    async def file(
        self,
        subject: Subject,
        record_id: str,
        kind: TicketKind,
        *,
        field: str,
        current_value: str,
        proposed_value: str,
        reason: str,
        attachments: Sequence[CheckedAttachment] = (),
    ) -> Ticket:
        if not reason.strip():
            raise TicketRefused("reason: required")
        if len(reason) > 4000:
            raise TicketRefused("reason: longer than 4000 characters")
        if kind is TicketKind.OBJECTION:
            check_field(field)
            if field != WITHDRAW:
                column_value(field, proposed_value)
        else:
            field = ""
        now = self._clock()
        ticket_id = uuid.uuid4().hex
        async with self._engine.begin() as conn:
            row = await self._record(conn, subject, record_id)
            if row is None:
                raise TicketRefused("record_id: not this region's record for this subject")
            if kind is TicketKind.REPAIR and row["repair_status"] == RepairStatus.REPAIRED.value:
                raise TicketRefused("record_id: the record is already repaired")
            if kind is TicketKind.OBJECTION and field not in ("", WITHDRAW):
                current_value = shown(row[field])  # what the record holds, whatever the page said
            await conn.execute(insert(record_tickets).values(
                ticket_id=ticket_id, region_code=self.region.code, record_id=record_id,
                subject_kind=subject.kind.value, subject_id=subject.identifier, kind=kind.value, field=field,
                current_value=current_value[:2000], proposed_value=proposed_value[:2000], reason=reason,
                status=TicketStatus.OPEN.value, filed_at=now,
                due_on=add_working_days(now.date(), self.due_working_days), closed_at=None, decision_note="",
                decided_by="",
            ))  # fmt: skip
            for item in attachments:
                await conn.execute(insert(ticket_attachments).values(
                    ticket_id=ticket_id, filename=item.filename, media_type=item.media_type, size=len(item.content),
                    sha256=hashlib.sha256(item.content).hexdigest(), content=item.content,
                ))  # fmt: skip
            await self._event(conn, ticket_id, now, TicketStatus.OPEN, "filed", "subject", {})
            mark = {"objection_open": True} if kind is TicketKind.OBJECTION else {"repair_status": "in_progress"}
            await conn.execute(self._where_record(update(penalties), record_id).values(**mark))
            await self._touch(conn, now)
        return await self.get(ticket_id)

    async def _record(self, conn: AsyncConnection, subject: Subject, record_id: str) -> dict[str, Any] | None:
        column = penalties.c.uscc if subject.kind is SubjectKind.ENTERPRISE else penalties.c.id_number
        query = self._where_record(select(penalties), record_id).where(column == subject.identifier)
        row = (await conn.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    def _where_record(self, statement: Any, record_id: str) -> Any:
        return statement.where(penalties.c.region_code == self.region.code, penalties.c.record_id == record_id)

    @staticmethod
    async def _event(
        conn: AsyncConnection, ticket_id: str, at: datetime, status: TicketStatus, note: str, actor: str,
        change: dict[str, Any],
    ) -> None:  # fmt: skip
        text = json.dumps(change, ensure_ascii=False, sort_keys=True, default=shown) if change else ""
        await conn.execute(insert(ticket_events).values(
            ticket_id=ticket_id, at=at, status=status.value, note=note, actor=actor[:64], change=text))  # fmt: skip

    async def _touch(self, conn: AsyncConnection, now: datetime) -> None:
        # Answers state data_as_of: a decision changes the data, so it moves on too.
        await conn.execute(update(meta).where(meta.c.key == "data_as_of").values(value=now.isoformat()))

    # ---- deciding ---------------------------------------------------------------------------------------------

    async def decide(self, ticket_id: str, accept: bool, *, note: str, staff: str) -> Ticket:
        """Accept / approve (``accept=True``) or reject an open ticket; ``note`` is the basis or the reason."""
        if not note.strip():
            raise TicketRefused("note: give the basis (accept) or the reason (reject)")
        now = self._clock()
        async with self._engine.begin() as conn:
            row = (await conn.execute(
                select(record_tickets).where(record_tickets.c.ticket_id == ticket_id).with_for_update()
            )).mappings().first()  # fmt: skip
            if row is None:
                raise TicketNotFound(ticket_id)
            if row["status"] != TicketStatus.OPEN.value:
                raise TicketRefused(f"ticket: already {row['status']}")
            kind = TicketKind(row["kind"])
            if not accept:
                status = TicketStatus.REJECTED
            else:
                status = TicketStatus.ACCEPTED if kind is TicketKind.OBJECTION else TicketStatus.APPROVED
            change = await self._apply(conn, row, status, now)
            await conn.execute(update(record_tickets).where(record_tickets.c.ticket_id == ticket_id).values(
                status=status.value, closed_at=now, decision_note=note, decided_by=staff[:64]))  # fmt: skip
            await self._event(conn, ticket_id, now, status, note, f"staff:{staff}", change)
            await self._touch(conn, now)
        return await self.get(ticket_id)

    async def _apply(self, conn: AsyncConnection, ticket: Any, status: TicketStatus, now: datetime) -> dict[str, Any]:
        record_id = ticket["record_id"]
        record = (await conn.execute(self._where_record(select(penalties), record_id))).mappings().first()
        if record is None:
            return {"record": "gone"}
        others_open = await conn.scalar(
            select(record_tickets.c.ticket_id).where(
                record_tickets.c.region_code == self.region.code, record_tickets.c.record_id == record_id,
                record_tickets.c.kind == TicketKind.OBJECTION.value, record_tickets.c.status == "open",
                record_tickets.c.ticket_id != ticket["ticket_id"],
            ).limit(1)
        )  # fmt: skip
        values: dict[str, Any] = {}
        change: dict[str, Any] = {}
        if ticket["kind"] == TicketKind.OBJECTION.value:
            values["objection_open"] = others_open is not None
            if status is TicketStatus.ACCEPTED and ticket["field"] == WITHDRAW:
                await conn.execute(self._where_record(delete(penalties), record_id))
                return {"withdrawn": {k: shown(v) for k, v in record.items()}}
            if status is TicketStatus.ACCEPTED:
                field = ticket["field"]
                values[field] = column_value(field, ticket["proposed_value"])
                change = {"field": field, "before": shown(record[field]), "after": shown(values[field])}
        elif status is TicketStatus.APPROVED:
            values |= {"repair_status": RepairStatus.REPAIRED.value, "repaired_on": now.date()}
            change = {"field": "repair_status", "before": record["repair_status"], "after": "repaired",
                      "repaired_on": now.date().isoformat()}  # fmt: skip
        else:
            values["repair_status"] = RepairStatus.NONE.value
        await conn.execute(self._where_record(update(penalties), record_id).values(**values))
        return change

    async def apply_repair(self, dedup_key: str, repaired_on: date, *, note: str) -> int:
        """Mark this region's copies of the decision with natural key ``dedup_key`` repaired; how many changed."""
        now = self._clock()
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(penalties)
                .where(penalties.c.region_code == self.region.code, penalties.c.dedup_key == dedup_key,
                       penalties.c.repair_status != RepairStatus.REPAIRED.value)
                .values(repair_status=RepairStatus.REPAIRED.value, repaired_on=repaired_on)
            )  # fmt: skip
            if result.rowcount:
                await self._touch(conn, now)
        changed = int(result.rowcount or 0)
        log.info("repair recognised (%s): %d copies marked repaired", note, changed)
        return changed

    async def record_key(self, record_id: str) -> dict[str, Any] | None:
        """The natural key parts of one of this region's penalties (for a repair notice)."""
        query = self._where_record(
            select(penalties.c.dedup_key, penalties.c.repaired_on, penalties.c.repair_status), record_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    # ---- reading ----------------------------------------------------------------------------------------------

    async def get(self, ticket_id: str) -> Ticket:
        tickets = await self._read(record_tickets.c.ticket_id == ticket_id)
        if not tickets:
            raise TicketNotFound(ticket_id)
        return tickets[0]

    async def for_subject(self, subject: Subject, ticket_ids: Sequence[str] = ()) -> list[Ticket]:
        """The subject's tickets (those of ``ticket_ids`` only, when given); a subject without an identifier is
        asked for by ticket ids alone."""
        condition = record_tickets.c.subject_kind == subject.kind.value
        if subject.identifier:
            condition = condition & (record_tickets.c.subject_id == subject.identifier)
        elif not ticket_ids:
            return []
        if ticket_ids:
            condition = condition & record_tickets.c.ticket_id.in_(list(ticket_ids))
        return await self._read(condition)

    async def all(self, status: str | None = None) -> list[Ticket]:
        condition = record_tickets.c.region_code == self.region.code
        if status:
            condition = condition & (record_tickets.c.status == status)
        return await self._read(condition)

    async def attachment(self, ticket_id: str, index: int) -> tuple[str, str, bytes] | None:
        query = (
            select(ticket_attachments.c.filename, ticket_attachments.c.media_type, ticket_attachments.c.content)
            .where(ticket_attachments.c.ticket_id == ticket_id)
            .order_by(ticket_attachments.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        if not 0 <= index < len(rows):
            return None
        name, media, content = rows[index]
        return str(name), str(media), bytes(content)

    async def _read(self, condition: Any) -> list[Ticket]:
        query = select(record_tickets).where(condition).order_by(record_tickets.c.filed_at.desc())
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
            ids = [row["ticket_id"] for row in rows]
            events = (await conn.execute(
                select(ticket_events).where(ticket_events.c.ticket_id.in_(ids)).order_by(ticket_events.c.id)
            )).mappings().all() if ids else []  # fmt: skip
            files = (await conn.execute(
                select(ticket_attachments.c.ticket_id, ticket_attachments.c.filename, ticket_attachments.c.media_type,
                       ticket_attachments.c.size).where(ticket_attachments.c.ticket_id.in_(ids))
                .order_by(ticket_attachments.c.id)
            )).all() if ids else []  # fmt: skip
        history: dict[str, list[TicketEventView]] = {}
        for e in events:
            history.setdefault(e["ticket_id"], []).append(
                TicketEventView(_utc(e["at"]) or e["at"], TicketStatus(e["status"]), e["note"], e["actor"], e["change"])
            )
        attached: dict[str, list[tuple[str, str, int]]] = {}
        for ticket_id, name, media, size in files:
            attached.setdefault(ticket_id, []).append((name, media, size))
        today = self._clock().date()
        return [
            Ticket(
                ticket_id=row["ticket_id"],
                region_code=row["region_code"],
                record_id=row["record_id"],
                subject_kind=row["subject_kind"],
                subject_id=row["subject_id"],
                kind=TicketKind(row["kind"]),
                field=row["field"],
                current_value=row["current_value"],
                proposed_value=row["proposed_value"],
                reason=row["reason"],
                status=TicketStatus(row["status"]),
                filed_at=_utc(row["filed_at"]) or today,
                due_on=row["due_on"],
                closed_at=_utc(row["closed_at"]),
                decision_note=row["decision_note"],
                decided_by=row["decided_by"],
                history=tuple(history.get(row["ticket_id"], ())),
                attachments=tuple(attached.get(row["ticket_id"], ())),
                today=today,
            )
            for row in rows
        ]
