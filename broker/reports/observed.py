"""The report context seen from outside: counted, timed and logged at its seams, so the service itself stays lean.

:class:`ObservedReportStore` sits in front of the :class:`~broker.reports.interfaces.ReportStore`: every request
the service ends — issued complete, issued incomplete, failed — passes through it exactly once, so it counts
``jjj_reports{edition,outcome}`` and writes the request's one JSON log line (request id, *masked* subject,
edition, outcome, each region's status; never record content). :func:`timed_pdf` times each PDF render.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from broker.reports.interfaces import PdfMaker, ReportStore
from broker.reports.issuance import PreparedIssuance
from broker.reports.models import ReportEvent
from broker.reports.pending import PendingEntry
from broker.web.metrics import ReportMetrics
from merge.identifiers import Subject
from merge.report import Report

log = logging.getLogger("jjj.broker.reports.requests")

_OUTCOMES = {"issued": "complete", "issued_incomplete": "incomplete", "pending": "pending"}


class ObservedReportStore:
    def __init__(self, inner: ReportStore, metrics: ReportMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def next_report_no(self, issued_at: datetime) -> str:
        return await self._inner.next_report_no(issued_at)

    async def record_issued(
        self, event: ReportEvent, issuance: PreparedIssuance, *, finishes_pending: bool = False
    ) -> None:
        await self._inner.record_issued(event, issuance, finishes_pending=finishes_pending)
        self._seen(event)

    async def record_pending(self, event: ReportEvent, entry: PendingEntry) -> None:
        try:
            await self._inner.record_pending(event, entry)
        finally:
            self._seen(event)

    async def pending(self, report_no: str) -> PendingEntry | None:
        return await self._inner.pending(report_no)

    async def claim_pending(self, report_no: str) -> bool:
        return await self._inner.claim_pending(report_no)

    async def release_pending(self, report_no: str) -> None:
        await self._inner.release_pending(report_no)

    def subject_key(self, subject: Subject) -> str:
        return self._inner.subject_key(subject)

    async def record_failed(self, event: ReportEvent) -> None:
        try:
            await self._inner.record_failed(event)
        finally:
            self._seen(event)

    def _seen(self, event: ReportEvent) -> None:
        outcome = _OUTCOMES.get(event.outcome, "failed")
        self._metrics.reports.labels(event.edition.value, outcome).inc()
        log.info(
            "report request %s: %s", event.request_id, event.outcome,
            extra={"request_id": event.request_id, "subject": event.authority.subject.masked,
                   "edition": event.edition.value, "outcome": event.outcome,
                   "report_no": event.detail.get("report_no", ""), "regions": event.detail.get("regions", "")},
        )  # fmt: skip


def timed_pdf(maker: PdfMaker, metrics: ReportMetrics) -> PdfMaker:
    """``maker`` observed in ``jjj_pdf_render_seconds``."""

    async def render(report: Report, *, verification_code: str, verify_url: str, canonical_json: bytes) -> bytes:
        started = time.perf_counter()
        try:
            return await maker(
                report, verification_code=verification_code, verify_url=verify_url, canonical_json=canonical_json
            )
        finally:
            metrics.pdf_seconds.observe(time.perf_counter() - started)

    return render
