"""The node's ticket workflow on a seeded store, on SQLite and PostgreSQL: filing marks the record, accepting
corrects (or withdraws) it with history, rejecting restores it, repair approval marks it repaired, copies elsewhere
follow a repair, and tickets for records the region does not hold are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from adapters.attachments import AttachmentRefused, check_attachments
from adapters.schema import penalties
from adapters.seed import demo_subjects, generate
from adapters.store import SqlRecordStore
from adapters.ticket_models import TicketKind, TicketStatus
from adapters.ticket_schema import ticket_metadata
from adapters.tickets import TicketRefused, TicketStore
from merge.identifiers import parse_subject
from merge.records import Penalty, RepairStatus
from merge.regions import Region
from tests.adapters.conftest import StoreFactory

SEED = 2026
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
async def seeded(store_factory: StoreFactory) -> AsyncIterator[tuple[SqlRecordStore, TicketStore]]:
    store = await store_factory(Region.HEBEI)
    await store.add_records(list(generate(Region.HEBEI, 2, SEED)))
    clock = lambda: datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # noqa: E731 - a Wednesday
    tickets = await TicketStore.open(store.url, Region.HEBEI, clock=clock)
    yield store, tickets
    async with tickets.engine.begin() as conn:
        await conn.run_sync(ticket_metadata.drop_all)
    await tickets.close()


async def _penalty(store: SqlRecordStore) -> tuple[object, Penalty]:
    subject = parse_subject(demo_subjects(SEED)[0].identifier)
    records = [r async for r in store.query(subject, date(2020, 1, 1), date(2026, 12, 31))]
    return subject, next(r for r in records if isinstance(r, Penalty) and r.repair_status is RepairStatus.NONE)


async def _row(store: TicketStore, record_id: str) -> dict[str, object] | None:
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(penalties).where(penalties.c.record_id == record_id))).mappings().first()
    return dict(row) if row else None


async def test_objection_marks_the_record_and_accepting_corrects_it_with_history(seeded) -> None:  # type: ignore[no-untyped-def]
    store, tickets = seeded
    subject, record = await _penalty(store)
    ticket = await tickets.file(
        subject, record.record_id, TicketKind.OBJECTION, field="violation_facts", current_value="(page)",
        proposed_value="更正后的违法事实", reason="事实有误", attachments=check_attachments([("a.pdf", PDF)]),
    )  # fmt: skip
    assert ticket.status is TicketStatus.OPEN
    assert ticket.current_value == record.violation_facts  # what the record holds, not what the page said
    assert ticket.due_on == date(2026, 12, 9)  # 5 working days after Wednesday 2 December
    assert ticket.attachments == (("a.pdf", "application/pdf", len(PDF)),)
    assert (await _row(tickets, record.record_id))["objection_open"] is True  # type: ignore[index]

    decided = await tickets.decide(ticket.ticket_id, True, note="经核实予以更正", staff="li")
    assert decided.status is TicketStatus.ACCEPTED
    row = await _row(tickets, record.record_id)
    assert row is not None
    assert row["violation_facts"] == "更正后的违法事实"
    assert row["objection_open"] is False
    assert [e.status for e in decided.history] == [TicketStatus.OPEN, TicketStatus.ACCEPTED]
    assert record.violation_facts in decided.history[-1].change
    with pytest.raises(TicketRefused, match="already accepted"):
        await tickets.decide(ticket.ticket_id, False, note="no", staff="li")


async def test_rejection_and_withdrawal(seeded) -> None:  # type: ignore[no-untyped-def]
    store, tickets = seeded
    subject, record = await _penalty(store)
    first = await tickets.file(subject, record.record_id, TicketKind.OBJECTION, field="fine_amount",
                               current_value="", proposed_value="1.5", reason="金额有误")  # fmt: skip
    rejected = await tickets.decide(first.ticket_id, False, note="金额无误", staff="li")
    assert rejected.status is TicketStatus.REJECTED
    assert rejected.decision_note == "金额无误"
    row = await _row(tickets, record.record_id)
    assert row is not None
    assert row["objection_open"] is False
    assert row["fine_amount"] == record.fine_amount
    second = await tickets.file(subject, record.record_id, TicketKind.OBJECTION, field="withdraw",
                                current_value="", proposed_value="", reason="已撤销")  # fmt: skip
    await tickets.decide(second.ticket_id, True, note="处罚决定已撤销", staff="li")
    assert await _row(tickets, record.record_id) is None
    assert record.decision_no in (await tickets.get(second.ticket_id)).history[-1].change


async def test_repair_approval_marks_repaired_and_a_copy_elsewhere_follows(seeded) -> None:  # type: ignore[no-untyped-def]
    store, tickets = seeded
    subject, record = await _penalty(store)
    ticket = await tickets.file(subject, record.record_id, TicketKind.REPAIR, field="", current_value="",
                                proposed_value="", reason="已履行处罚")  # fmt: skip
    assert (await _row(tickets, record.record_id))["repair_status"] == "in_progress"  # type: ignore[index]
    approved = await tickets.decide(ticket.ticket_id, True, note="已完成整改，依据《信用修复管理办法》", staff="li")
    assert approved.status is TicketStatus.APPROVED
    row = await _row(tickets, record.record_id)
    assert row is not None
    assert row["repair_status"] == "repaired"
    assert row["repaired_on"] == date(2026, 12, 2)
    # Another record's natural key, as a notice from another region names it.
    other = await _row(tickets, record.record_id)
    assert other is not None
    assert await tickets.apply_repair(str(other["dedup_key"]), date(2026, 12, 2), note="") == 0  # already repaired


async def test_refused_tickets(seeded) -> None:  # type: ignore[no-untyped-def]
    store, tickets = seeded
    subject, record = await _penalty(store)
    stranger = parse_subject(demo_subjects(SEED)[2].identifier)
    with pytest.raises(TicketRefused, match="not this region's record"):
        await tickets.file(stranger, record.record_id, TicketKind.OBJECTION, field="content", current_value="",
                           proposed_value="x", reason="r")  # fmt: skip
    with pytest.raises(TicketRefused, match="not this region's record"):
        await tickets.file(subject, "0" * 32, TicketKind.OBJECTION, field="content", current_value="",
                           proposed_value="x", reason="r")  # fmt: skip
    with pytest.raises(ValueError, match=r"^field:"):
        await tickets.file(subject, record.record_id, TicketKind.OBJECTION, field="decision_no", current_value="",
                           proposed_value="x", reason="r")  # fmt: skip
    with pytest.raises(ValueError, match=r"^proposed_value:"):
        await tickets.file(subject, record.record_id, TicketKind.OBJECTION, field="valid_until", current_value="",
                           proposed_value="tomorrow", reason="r")  # fmt: skip
    with pytest.raises(TicketRefused, match=r"^reason:"):
        await tickets.file(subject, record.record_id, TicketKind.REPAIR, field="", current_value="",
                           proposed_value="", reason=" ")  # fmt: skip
    assert await tickets.all() == []


def test_attachments_are_checked_by_their_bytes() -> None:
    assert check_attachments([("x.png", b"\x89PNG\r\n\x1a\nrest")])[0].media_type == "image/png"
    with pytest.raises(AttachmentRefused, match=r"attachments\[0\]: not a PDF"):
        check_attachments([("evil.pdf", b"MZ\x90\x00")])
    with pytest.raises(AttachmentRefused, match=r"attachments\[1\]: larger"):
        check_attachments([("a.pdf", PDF), ("b.pdf", b"%PDF-" + b"0" * (1024 * 1024))])
