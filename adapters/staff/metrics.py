"""Indicators of a node's ticket handling (the Beichen plan: objection rate ≤ 0.01 %, repair approval ≥ 98 %),
as a function and as Prometheus gauges on the staff page's ``/metrics``.

Created here because ``adapters/metrics.py`` (the node's own metrics, issue 11) did not exist yet when this was
written; the gauges live in their own registry, so merging the two later is a matter of serving both.

* ``objection_rate``: objections filed / records held;
* ``repair_approval_rate``: approved / decided repair requests (None before any decision);
* ``median_handling_working_days``: over closed tickets, filing to decision in working days;
* ``overdue``: open tickets past their due date.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge

from adapters.due_dates import working_days_between
from adapters.ticket_models import Ticket, TicketKind, TicketStatus


@dataclass(frozen=True, slots=True)
class Indicators:
    tickets: int
    open: int
    overdue: int
    objection_rate: float | None
    repair_approval_rate: float | None
    median_handling_working_days: float | None


def indicators(tickets: list[Ticket], records_held: int) -> Indicators:
    objections = [t for t in tickets if t.kind is TicketKind.OBJECTION]
    decided_repairs = [t for t in tickets if t.kind is TicketKind.REPAIR and t.status is not TicketStatus.OPEN]
    approved = [t for t in decided_repairs if t.status is TicketStatus.APPROVED]
    handling = [
        working_days_between(t.filed_at.date() if hasattr(t.filed_at, "date") else t.filed_at, t.closed_at.date())
        for t in tickets
        if t.closed_at is not None
    ]
    return Indicators(
        tickets=len(tickets),
        open=sum(t.status is TicketStatus.OPEN for t in tickets),
        overdue=sum(t.overdue for t in tickets),
        objection_rate=len(objections) / records_held if records_held else None,
        repair_approval_rate=len(approved) / len(decided_repairs) if decided_repairs else None,
        median_handling_working_days=float(statistics.median(handling)) if handling else None,
    )


class TicketGauges:
    """The indicators as gauges, set from :func:`indicators` each time ``/metrics`` is read."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._open = Gauge("jjj_node_tickets_open", "Open objection and repair tickets", registry=self.registry)
        self._overdue = Gauge("jjj_node_tickets_overdue", "Open tickets past their due date", registry=self.registry)
        self._objection_rate = Gauge("jjj_node_objection_rate", "Objections per record held", registry=self.registry)
        self._approval = Gauge(
            "jjj_node_repair_approval_rate", "Approved / decided repair requests", registry=self.registry
        )
        self._median = Gauge(
            "jjj_node_ticket_median_handling_working_days", "Median handling time of closed tickets, working days",
            registry=self.registry,
        )  # fmt: skip

    def update(self, values: Indicators) -> None:
        self._open.set(values.open)
        self._overdue.set(values.overdue)
        self._objection_rate.set(values.objection_rate or 0.0)
        self._approval.set(values.repair_approval_rate if values.repair_approval_rate is not None else float("nan"))
        median = values.median_handling_working_days
        self._median.set(median if median is not None else float("nan"))
