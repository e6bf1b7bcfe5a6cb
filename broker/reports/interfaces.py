"""The report context's seams: who answers for a region, where issued reports are kept, who renders a PDF.

Production implementations: :class:`adapters.client.AdapterClient` (a region), :class:`broker.reports.store.
RedisReportStore` (the store), :class:`broker.pdf.pool.PdfRenderer` (the PDF). Tests use the real ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from adapters.client import RegionQuery
from broker.reports.issuance import PreparedIssuance
from broker.reports.models import ReportEvent
from broker.reports.pending import PendingEntry
from merge.answers import RegionAnswer
from merge.identifiers import Subject
from merge.regions import Region
from merge.report import Report


class RegionFetcher(Protocol):
    """The seam between the broker and a region."""

    @property
    def region(self) -> Region: ...

    async def fetch(self, query: RegionQuery, *, timeout: float) -> RegionAnswer: ...

    async def health(self, *, timeout: float) -> str: ...

    async def close(self) -> None: ...


class ReportStore(Protocol):
    """Where the broker keeps what it issued. Every method fails closed (``ConsentStoreUnavailable``)."""

    async def next_report_no(self, issued_at: datetime) -> str:
        """``JJJ-YYYYMMDD-NNNNNN``, unique across broker replicas sharing the store."""
        ...

    async def record_issued(
        self, event: ReportEvent, issuance: PreparedIssuance, *, finishes_pending: bool = False
    ) -> None:
        """The encrypted snapshot, its metadata and the audit entry: all written, or none (one transaction)."""
        ...

    async def record_failed(self, event: ReportEvent) -> None:
        """The audit entry of a request that was refused or failed (or left its report pending)."""
        ...

    async def record_pending(self, event: ReportEvent, entry: PendingEntry) -> None:
        """The audit entry of a request that left its report awaiting confirmation, with the request kept."""
        ...

    async def pending(self, report_no: str) -> PendingEntry | None: ...

    async def claim_pending(self, report_no: str) -> bool: ...

    async def release_pending(self, report_no: str) -> None: ...

    def subject_key(self, subject: Subject) -> str: ...


class PdfMaker(Protocol):
    """Renders a report as a signed PDF; must not block the event loop.

    Called on a report's first PDF download; the result is stored encrypted, so later downloads are the same bytes.
    """

    async def __call__(
        self, report: Report, *, verification_code: str, verify_url: str, canonical_json: bytes
    ) -> bytes: ...
