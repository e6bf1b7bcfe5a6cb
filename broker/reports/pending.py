"""Reports awaiting department confirmation (an edition with ``department_confirmation``: the financial edition).

Such a report is asked for once (``POST /v1/reports``): the broker reserves its number, asks the regions with it as
``confirmation_ref``, and each node asks the departments owning the records to confirm them (:mod:`adapters.
confirmations`). While any record is ``pending`` nothing is issued: the answer is ``202`` with the number and each
region's counts, and the request is kept here — plain values only, no record content (invariant 2):

``{prefix}{chain}:pending:{report_no}`` (hash)
    subject (a USCC: these editions are for enterprises, whose code is public), edition, purpose, window, the
    application date, grant and grantee, who asked (``subject_key``), when; ``status`` ``pending`` or ``issued``.

Asking again (``GET /v1/reports/pending/{report_no}``, or the portal's page) queries the regions again, under the
same consent — a live grant or the owner's session, each time (invariant 3), each time in the audit log — with the
same reference and window. Once every record is decided or past its due date the report is issued under the
reserved number with the regions' signed confirmations in it; ``issued`` is kept so a later ask says so (the
verification code went to the request that completed it). Two asks at once: one issues, the other is told to wait.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from merge.answers import RegionAnswer
from merge.confirmations import PENDING

#: How long a pending report may wait (its departments have working days; this bounds the key's life).
PENDING_TTL_S = 60 * 86400
#: How long the claim of the request issuing it is held (longer than any report takes to issue).
CLAIM_TTL_S = 120


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """What is kept of a pending report: the request, not its content."""

    report_no: str
    subject: str
    edition: str
    purpose: str
    window_years: int
    window_from: date
    window_to: date
    application_date: date
    grant_id: str
    grantee_id: str
    subject_key: str
    created_at: datetime
    status: str = "pending"

    def to_mapping(self) -> dict[str, str]:
        return {name: value.isoformat() if isinstance(value, date | datetime) else str(value)
                for name, value in asdict(self).items()}  # fmt: skip

    @classmethod
    def from_mapping(cls, values: dict[str, str]) -> PendingEntry:
        return cls(
            report_no=values["report_no"], subject=values["subject"], edition=values["edition"],
            purpose=values["purpose"], window_years=int(values["window_years"]),
            window_from=date.fromisoformat(values["window_from"]), window_to=date.fromisoformat(values["window_to"]),
            application_date=date.fromisoformat(values["application_date"]), grant_id=values["grant_id"],
            grantee_id=values["grantee_id"], subject_key=values["subject_key"],
            created_at=datetime.fromisoformat(values["created_at"]), status=values.get("status", "pending"),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RegionConfirmations:
    """One region's confirmation counts by status (``confirmed``, ``annotated``, ``pending``, ``expired``)."""

    region_code: str
    status: str  # the region's answer status
    counts: dict[str, int] = field(default_factory=dict)
    due_on: date | None = None
    #: The departments still to decide (names, as the records state them: shown to the requester only).
    waiting_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingState:
    report_no: str
    regions: tuple[RegionConfirmations, ...]

    @property
    def due_on(self) -> date | None:
        dues = [r.due_on for r in self.regions if r.due_on is not None]
        return max(dues) if dues else None

    def to_json(self) -> dict[str, object]:
        return {
            "status": "pending",
            "report_no": self.report_no,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "poll": f"/v1/reports/pending/{self.report_no}",
            "regions": [
                {"region": r.region_code, "status": r.status, "confirmations": r.counts,
                 "due_on": r.due_on.isoformat() if r.due_on else None, "waiting_for": list(r.waiting_for)}
                for r in self.regions
            ],
        }  # fmt: skip


class ReportPending(Exception):
    """Nothing issued yet: departments are still confirming. Carries the state to show."""

    def __init__(self, state: PendingState) -> None:
        super().__init__(f"report {state.report_no}: awaiting department confirmation")
        self.state = state


def confirmation_state(report_no: str, answers: list[RegionAnswer]) -> PendingState:
    """Each region's confirmation counts from its answer (regions that did not answer: no counts)."""
    regions = []
    for answer in answers:
        items = answer.document.confirmations if answer.document is not None else ()
        counts: Counter[str] = Counter(item.status for item in items)
        waiting = sorted({item.authority_name for item in items if item.status == PENDING})
        dues = [item.due_on for item in items if item.status == PENDING]
        regions.append(RegionConfirmations(
            answer.region_code, answer.status.value, dict(counts), max(dues) if dues else None, tuple(waiting),
        ))  # fmt: skip
    return PendingState(report_no, tuple(regions))


def awaiting(answers: list[RegionAnswer]) -> bool:
    """Whether any answered region still has a record pending."""
    return any(item.status == PENDING for a in answers if a.document is not None for item in a.document.confirmations)
