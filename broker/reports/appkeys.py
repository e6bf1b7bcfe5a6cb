"""Typed application keys of the report context (filled by the composition root, :mod:`broker.app`)."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from broker.pdf.pool import PdfRenderer
from broker.reports.interfaces import PdfMaker, RegionFetcher
from broker.reports.service import ReportService
from broker.reports.snapshots import SnapshotStore
from broker.reports.store import RedisReportStore

REPORTS = web.AppKey("reports", ReportService)
REPORT_STORE = web.AppKey("report_store", RedisReportStore)
SNAPSHOTS = web.AppKey("snapshots", SnapshotStore)
FETCHERS = web.AppKey("fetchers", Sequence[RegionFetcher])
#: Optional: set when PDF rendering is available; without it ``GET /v1/reports/{no}.pdf`` answers 501.
PDF_MAKER = web.AppKey("pdf_maker", PdfMaker)
#: Optional: the worker pool behind PDF_MAKER, whose state readiness reports.
PDF_POOL = web.AppKey("pdf_pool", PdfRenderer)
