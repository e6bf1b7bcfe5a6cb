"""Issue one report: number it, ask the three regions under one deadline, merge, sign, store.

The body returned is the report's canonical JSON, so its SHA-256 (the ``X-Report-Digest`` header) is exactly
the digest a verifier recomputes. The write path is one call: :meth:`ReportStore.record_issued` stores the
snapshot and the audit entry together; every request that fails is recorded by :meth:`ReportStore.record_failed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
from collections.abc import Iterator, Sequence
from datetime import date

from adapters.channel_config import REFUSAL_NOT_LISTED
from adapters.client import RegionQuery
from broker.clock import CST, Clock
from broker.errors import ApiError
from broker.reports.errors import (
    CalendarUnavailable,
    PendingBeingIssued,
    PendingIssuedAlready,
    PendingNotFound,
    RegionsUnanswered,
    SubjectNotListed,
)
from broker.reports.fanout import RegionHook, SlowestFirst, fan_out
from broker.reports.interfaces import RegionFetcher, ReportStore
from broker.reports.issuance import Issuer
from broker.reports.models import IssuedReport, ReportEvent, ReportRequestBody
from broker.reports.pending import PendingEntry, ReportPending, awaiting, confirmation_state
from broker.reports.warrants import SignedWarrant, WarrantIssuer
from consent.authority import QueryAuthority
from consent.errors import ConsentError
from merge.answers import RegionAnswer
from merge.editions import Edition
from merge.fast.canonical import canonical_json
from merge.fast.merging import merge_report
from merge.regions import Region
from merge.report import ReportQuery
from merge.window import compute_window
from merge.working_days import WorkingDayCalendar

log = logging.getLogger("jjj.broker.reports")


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic collector off while a report is merged and written: they allocate many short-lived objects and
    no cycles, so generation-0 passes over them are wasted (about 5–10 % of merge + canonical for a
    10,000-record report, measured). The caller's policy, not the merge's: the merge stays pure."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _given(report_no: str) -> str:
    return report_no


class ReportService:
    def __init__(
        self,
        store: ReportStore,
        fetchers: Sequence[RegionFetcher],
        clock: Clock,
        *,
        issuer: Issuer,
        warrants: WarrantIssuer,
        deadline_s: float,
        window_lag_working_days: int,
        calendar: WorkingDayCalendar,
    ) -> None:
        self._store = store
        self._fetchers = tuple(fetchers)
        self._clock = clock
        self._issuer = issuer
        self._warrants = warrants
        self._deadline_s = deadline_s
        self._lag = window_lag_working_days
        self._calendar = calendar
        self._order = SlowestFirst()

    async def issue(
        self,
        request: ReportRequestBody,
        *,
        request_id: str,
        authority: QueryAuthority,
        on_region: RegionHook | None = None,
        require_complete: bool = False,
        resume: PendingEntry | None = None,
    ) -> IssuedReport:
        """Issue the report; every request, issued or failed, is appended to the audit log (invariant 5).

        ``on_region`` is called with each region's answer as it arrives (the portal's live progress);
        ``require_complete`` issues nothing when a region did not answer (:class:`RegionsUnanswered`), so the
        person can ask again or accept an incomplete report."""
        try:
            return await self._issue(
                request, request_id=request_id, authority=authority, on_region=on_region,
                require_complete=require_complete, resume=resume,
            )  # fmt: skip
        except ReportPending:
            raise  # audited as pending where it was decided
        except Exception as exc:
            code = exc.code if isinstance(exc, ApiError | ConsentError) else type(exc).__name__
            event = ReportEvent(authority, request.edition, request.purpose, request_id, f"failed:{code}", {})
            # If the audit store is down too, the original error is what the caller must see.
            with contextlib.suppress(ApiError, ConsentError):
                await self._store.record_failed(event)
            raise

    def _window(self, request: ReportRequestBody, application_date: date) -> tuple[date, date]:
        try:
            return compute_window(
                application_date, request.window_years, request.edition, self._lag, calendar=self._calendar
            )
        except ValueError as exc:
            # window_years was validated with the request; what is left is the calendar (lag over an unknown year).
            raise CalendarUnavailable(str(exc)) from None

    async def pending_request(self, report_no: str) -> tuple[PendingEntry, ReportRequestBody]:
        """A pending report's entry and the request it was asked with (to check the consent it runs under)."""
        entry = await self._store.pending(report_no)
        if entry is None:
            raise PendingNotFound(f"report_no: no report {report_no[:32]!r} awaits confirmation")
        if entry.status != "pending":
            raise PendingIssuedAlready(
                f"report_no: {entry.report_no} was issued; its verification code went to the ask that completed it"
            )
        body = ReportRequestBody(
            subject=entry.subject, edition=Edition(entry.edition), window_years=entry.window_years,
            purpose=entry.purpose,
        )  # fmt: skip
        return entry, body

    async def resume(
        self, entry: PendingEntry, request: ReportRequestBody, *, request_id: str, authority: QueryAuthority,
        on_region: RegionHook | None = None,
    ) -> IssuedReport:  # fmt: skip
        """Ask the regions again for a pending report, under ``authority`` (the same requester's live consent);
        issue it under its reserved number once nothing is pending (:mod:`broker.reports.pending`)."""
        if (authority.grant_id, self._store.subject_key(authority.subject)) != (entry.grant_id, entry.subject_key):
            raise PendingNotFound(f"report_no: no report {entry.report_no!r} awaits confirmation for you")
        if not await self._store.claim_pending(entry.report_no):
            raise PendingBeingIssued(f"report_no: {entry.report_no} is being issued by another request; ask again")
        try:
            return await self.issue(request, request_id=request_id, authority=authority, on_region=on_region,
                                    resume=entry)  # fmt: skip
        finally:
            with contextlib.suppress(ApiError, ConsentError):
                await self._store.release_pending(entry.report_no)

    async def _issue(
        self, request: ReportRequestBody, *, request_id: str, authority: QueryAuthority,
        on_region: RegionHook | None, require_complete: bool, resume: PendingEntry | None = None,
    ) -> IssuedReport:  # fmt: skip
        deadline = asyncio.get_running_loop().time() + self._deadline_s
        issued_at = self._clock.now()
        if resume is None:
            application_date = issued_at.astimezone(CST).date()
            window_from, window_to = self._window(request, application_date)
        else:  # the report asked for then, not a new one
            application_date, window_from, window_to = resume.application_date, resume.window_from, resume.window_to
        query = ReportQuery(
            subject=request.parsed_subject,
            edition=request.edition,
            purpose=request.purpose,
            window_from=window_from,
            window_to=window_to,
            application_date=application_date,
        )
        # The consent store was read (report_authority) before any region is asked: if it is down, nothing is
        # queried (fail closed). The report number's round trip runs while the warrants are signed and the regions
        # answer: it is needed only by the merge. Should it fail, the report is refused like any store failure.
        numbering = asyncio.ensure_future(
            self._store.next_report_no(issued_at) if resume is None else _given(resume.report_no)
        )
        confirming = query.edition.spec.department_confirmation
        try:
            # A report awaiting department confirmation is asked for under its number: the number comes first.
            ref = await numbering if confirming else ""
            warrants = self._sign_warrants(authority, query)
            answers = await self._ask_regions(query, request_id, authority, warrants, deadline, on_region, ref)
            restricted = query.edition.spec.subject_list
            if restricted is not None and all(a.refusal == REFUSAL_NOT_LISTED for a in answers):
                raise SubjectNotListed(
                    f"subject: not on any region's {restricted!r} list, which the {query.edition.value} edition is "
                    "restricted to; nothing was issued"
                )
            if require_complete and not all(a.answered for a in answers):
                raise RegionsUnanswered(
                    "regions: not every region answered; nothing was issued",
                    regions={a.region_code: a.status.value for a in answers},
                )
            if confirming and awaiting(answers):
                await self._left_pending(request, request_id, authority, query, ref, answers, warrants, resume)
            report_no = await numbering
        except BaseException:
            numbering.cancel()
            raise
        with collection_paused():
            report = merge_report(query, answers, report_no=report_no, issued_at=issued_at)
            body = canonical_json(report)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        # Every report, complete or not, gets its code, JWS and encrypted snapshot before it is returned.
        prepared = self._issuer.prepare(report, body, digest)
        regions = ",".join(f"{a.region_code}:{a.status.value}" for a in answers)
        detail = {
            "report_no": report_no,
            "regions": regions,
            "warrants": ",".join(f"{r.code}:{'+'.join(w.jti for w in signed)}" for r, signed in warrants.items()),
        }
        outcome = "issued" if report.complete else "issued_incomplete"
        await self._store.record_issued(
            ReportEvent(authority, request.edition, request.purpose, request_id, outcome, detail),
            prepared,
            finishes_pending=resume is not None,
        )
        log.info(
            "report %s subject=%s edition=%s complete=%s regions=%s records=%d request=%s",
            report_no, query.subject.masked, request.edition.value, report.complete, regions,
            report.summary.total_records, request_id,
        )  # fmt: skip
        return IssuedReport(report=report, body=body, digest=digest, issuance=prepared.issuance)

    async def _left_pending(
        self, request: ReportRequestBody, request_id: str, authority: QueryAuthority, query: ReportQuery, ref: str,
        answers: list[RegionAnswer], warrants: dict[Region, list[SignedWarrant]], resume: PendingEntry | None,
    ) -> None:  # fmt: skip
        """Audit this ask (its regions and warrants, as any query) and raise :class:`ReportPending`."""
        state = confirmation_state(ref, answers)
        detail = {
            "report_no": ref,
            "regions": ",".join(f"{a.region_code}:{a.status.value}" for a in answers),
            "warrants": ",".join(f"{r.code}:{'+'.join(w.jti for w in signed)}" for r, signed in warrants.items()),
        }
        event = ReportEvent(authority, request.edition, request.purpose, request_id, "pending", detail)
        if resume is None:
            entry = PendingEntry(
                report_no=ref, subject=query.subject.identifier, edition=request.edition.value,
                purpose=request.purpose, window_years=request.window_years, window_from=query.window_from,
                window_to=query.window_to, application_date=query.application_date, grant_id=authority.grant_id,
                grantee_id=authority.grantee_id, subject_key=self._store.subject_key(query.subject),
                created_at=self._clock.now(),
            )  # fmt: skip
            await self._store.record_pending(event, entry)
        else:
            await self._store.record_failed(event)
        log.info("report %s subject=%s pending confirmation request=%s", ref, query.subject.masked, request_id)
        raise ReportPending(state)

    def _sign_warrants(self, authority: QueryAuthority, query: ReportQuery) -> dict[Region, list[SignedWarrant]]:
        # One warrant per region (invariant 3): signed for that region only, so a node cannot replay it elsewhere.
        # A list, because a retried call gets a warrant of its own (broker/reports/retries.py): all are audited.
        return {fetcher.region: [self._sign_warrant(fetcher.region, authority, query)] for fetcher in self._fetchers}

    def _sign_warrant(self, region: Region, authority: QueryAuthority, query: ReportQuery) -> SignedWarrant:
        return self._warrants.issue(
            region,
            authority,
            edition=query.edition,
            window_from=query.window_from,
            window_to=query.window_to,
            now=self._clock.now(),
        )

    async def _ask_regions(
        self, query: ReportQuery, request_id: str, authority: QueryAuthority,
        warrants: dict[Region, list[SignedWarrant]], deadline: float, on_region: RegionHook | None = None,
        confirmation_ref: str = "",
    ) -> list[RegionAnswer]:  # fmt: skip
        def make_query(region: Region) -> RegionQuery:
            def renew() -> tuple[bytes, str]:
                warrant = self._sign_warrant(region, authority, query)
                warrants[region].append(warrant)
                return warrant.token, warrant.jti

            first = warrants[region][0]
            return RegionQuery(
                subject=query.subject,
                edition=query.edition,
                window_from=query.window_from,
                window_to=query.window_to,
                request_id=request_id,
                warrant=first.token,
                warrant_id=first.jti,
                confirmation_ref=confirmation_ref,
                renew_warrant=renew,
            )

        return await fan_out(self._fetchers, make_query, deadline, order=self._order, on_answer=on_region)
