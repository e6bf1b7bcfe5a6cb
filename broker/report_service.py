"""Issue one report: number it, ask the three regions under one deadline, merge, log the query.

The body returned is the report's canonical JSON, so its SHA-256 (the ``X-Report-Digest`` header) is exactly
the digest a verifier recomputes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

from redis.asyncio.client import Pipeline

from adapters.client import RegionQuery
from broker.audit import Action, AuditLog
from broker.errors import ApiError, CalendarUnavailable
from broker.fanout import RegionFetcher, SlowestFirst, fan_out
from broker.issuance import Issuance, Issuer
from broker.redis_store import BrokerStore
from broker.requests import ReportRequestBody
from broker.settings import Settings
from broker.warrant_issuer import SignedWarrant, WarrantIssuer
from consent.authority import QueryAuthority
from merge.canonical import canonical_json
from merge.merging import merge_report
from merge.regions import Region
from merge.report import Report, ReportQuery
from merge.window import compute_window

log = logging.getLogger("jjj.broker.reports")

#: China Standard Time: application dates and windows are calendar dates in Beijing.
CST = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IssuedReport:
    report: Report
    body: bytes
    digest: str
    #: The verification code, JWS and snapshot this report was issued with (broker/issuance.py).
    issuance: Issuance


class ReportService:
    def __init__(
        self,
        settings: Settings,
        store: BrokerStore,
        fetchers: Sequence[RegionFetcher],
        clock: Clock,
        *,
        issuer: Issuer,
        warrants: WarrantIssuer,
        audit: AuditLog,
    ) -> None:
        self._issuer = issuer
        self._warrants = warrants
        self._audit = audit
        self._settings = settings
        self._store = store
        self._fetchers = tuple(fetchers)
        self._clock = clock
        self._order = SlowestFirst()

    async def issue(self, request: ReportRequestBody, *, request_id: str, authority: QueryAuthority) -> IssuedReport:
        """Issue the report; every request, issued or failed, is appended to the audit log (invariant 6)."""
        try:
            return await self._issue(request, request_id=request_id, authority=authority)
        except Exception as exc:
            outcome = f"failed:{exc.code}" if isinstance(exc, ApiError) else f"failed:{type(exc).__name__}"
            # If the audit store is down too, the original error is what the caller must see.
            with contextlib.suppress(ApiError):
                await self._audit_report(authority, request, request_id, outcome, {})
            raise

    async def _audit_report(
        self, authority: QueryAuthority, request: ReportRequestBody, request_id: str, outcome: str,
        detail: dict[str, str], before: Callable[[Pipeline], None] | None = None,
    ) -> None:  # fmt: skip
        await self._audit.append(
            before=before,
            action=Action.REPORT_ISSUE,
            actor="subject" if authority.is_self else f"client:{authority.grantee_id}",
            outcome=outcome,
            subject=authority.subject,
            subject_key=self._store.subject_key(authority.subject),
            grant=authority.grant_id,
            grantee=authority.grantee_name,
            purpose=request.purpose,
            request_id=request_id,
            detail={"edition": request.edition.value, **detail},
        )

    async def _issue(self, request: ReportRequestBody, *, request_id: str, authority: QueryAuthority) -> IssuedReport:
        deadline = asyncio.get_running_loop().time() + self._settings.request_deadline_s
        subject = request.parsed_subject
        issued_at = self._clock.now()
        application_date = issued_at.astimezone(CST).date()
        try:
            window_from, window_to = compute_window(
                application_date, request.window_years, request.edition, self._settings.window_lag_working_days
            )
        except ValueError as exc:
            # window_years was validated with the request; what is left is the calendar (lag over an unknown year).
            raise CalendarUnavailable(str(exc)) from None

        # The consent store was read (report_authority) before any region is asked: if it is down, nothing is
        # queried (fail closed). The report number's round trip runs while the warrants are signed and the regions
        # answer: it is needed only by the merge. Should it fail, the report is refused like any store failure.
        numbering = asyncio.ensure_future(self._store.next_report_no(issued_at))
        try:
            # One warrant per region (invariant 3): signed for that region only, so a node cannot replay it
            # elsewhere. Its iat/exp use the wall clock, not the injected one: the node checks them against its own.
            warrants: dict[Region, SignedWarrant] = {
                fetcher.region: self._warrants.issue(
                    fetcher.region,
                    authority,
                    edition=request.edition,
                    window_from=window_from,
                    window_to=window_to,
                    now=datetime.now(UTC),
                )
                for fetcher in self._fetchers
            }

            def make_query(region: Region) -> RegionQuery:
                return RegionQuery(
                    subject=subject,
                    edition=request.edition,
                    window_from=window_from,
                    window_to=window_to,
                    request_id=request_id,
                    warrant=warrants[region].token,
                )

            answers = await fan_out(self._fetchers, make_query, deadline, order=self._order)
            report_no = await numbering
        except BaseException:
            numbering.cancel()
            raise
        query = ReportQuery(
            subject=subject,
            edition=request.edition,
            purpose=request.purpose,
            window_from=window_from,
            window_to=window_to,
            application_date=application_date,
        )
        report = merge_report(query, answers, report_no=report_no, issued_at=issued_at)
        body = canonical_json(report)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        # Every report, complete or not, gets its code, JWS and encrypted snapshot before it is returned.
        prepared = self._issuer.prepare(report, body, digest)
        query_entry = {
            "time": issued_at.isoformat(),
            "report_no": report_no,
            "grant": authority.grant_id,
            "grantee": authority.grantee_id,
            "grantee_name": authority.grantee_name,
            "purpose": request.purpose,
            "edition": request.edition.value,
            "complete": str(report.complete).lower(),
            "request_id": request_id,
        }

        def store_report(pipe: Pipeline) -> None:
            # Snapshot, query log and audit entry go to Redis in one MULTI/EXEC: one round trip, not three.
            prepared.queue(pipe)
            self._store.queue_log_query(pipe, subject, query_entry)

        regions = ",".join(f"{a.region_code}:{a.status.value}" for a in answers)
        await self._audit_report(
            authority,
            request,
            request_id,
            "issued" if report.complete else "issued_incomplete",
            {
                "report_no": report_no,
                "regions": regions,
                "warrants": ",".join(f"{r.code}:{w.jti}" for r, w in warrants.items()),
            },
            before=store_report,
        )
        log.info(
            "report %s subject=%s edition=%s complete=%s regions=%s records=%d request=%s",
            report_no,
            subject.masked,
            request.edition.value,
            report.complete,
            regions,
            report.summary.total_records,
            request_id,
        )
        return IssuedReport(report=report, body=body, digest=digest, issuance=prepared.issuance)
