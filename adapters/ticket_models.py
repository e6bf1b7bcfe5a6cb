"""What a ticket is, as the node's store, CLI, staff page and gRPC service see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class TicketKind(StrEnum):
    OBJECTION = "objection"  # 异议
    REPAIR = "repair"  # 信用修复


class TicketStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # objection upheld: record corrected or withdrawn
    APPROVED = "approved"  # repair approved: record repaired
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class TicketEventView:
    at: datetime
    status: TicketStatus
    note: str
    actor: str
    change: str  # JSON, "" when the record did not change


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket_id: str
    region_code: str
    record_id: str
    subject_kind: str
    subject_id: str
    kind: TicketKind
    field: str
    current_value: str
    proposed_value: str
    reason: str
    status: TicketStatus
    filed_at: datetime | date
    due_on: date
    closed_at: datetime | None
    decision_note: str
    decided_by: str
    history: tuple[TicketEventView, ...]
    attachments: tuple[tuple[str, str, int], ...]  # filename, media type, size
    today: date

    @property
    def overdue(self) -> bool:
        """Open past its due date (the due day itself is still in time)."""
        return self.status is TicketStatus.OPEN and self.today > self.due_on
