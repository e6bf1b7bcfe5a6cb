"""``jjj report``: issue one report from the command line, for scripts and the credit centres' counter staff.

The same path as the web API — warrants, fan-out to the configured nodes (``JJJ_NODE_*``), merge, issuance
(code, JWS, encrypted snapshot), query log and audit — run in-process with the broker's settings
(``JJJ_*``: Redis, keys directory). One progress line is printed per region as it answers::

    天津市 120000 answered 2 records 35 ms

Consent: the counter takes the subject's signed consent form; its reference (``--consent-ref``) is recorded
as the grant of every warrant and in the audit log, with the operator's login name as the grantee. Running
this needs the broker's keys and store, i.e. an operator's access.

An edition with department confirmation (``--edition financial``) is not issued at once: the departments owning
the records confirm them on their nodes first. The command then prints each region's confirmations and the reserved
report number and exits 4; ``--pending REPORT_NO`` (same subject, edition, purpose and ``--consent-ref``) asks again
and writes the report once nothing is pending.

Exit status: 0 issued (complete), 3 issued but incomplete (not a certificate), 4 awaiting department confirmation,
2 bad input, 1 failure.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from adapters.client import RegionQuery
from adapters.errors import RegionFailure
from broker.reports.interfaces import RegionFetcher
from broker.reports.models import IssuedReport
from merge.answers import RegionAnswer
from merge.regions import REGION_ORDER, Region

EXIT_INCOMPLETE = 3
EXIT_PENDING = 4


class ProgressFetcher:
    """A region's fetcher that prints one line when the region answers, fails, or runs out of time."""

    def __init__(self, inner: RegionFetcher, out: TextIO) -> None:
        self._inner = inner
        self._out = out

    @property
    def region(self) -> Region:
        return self._inner.region

    def _line(self, text: str) -> None:
        print(f"{self.region.display_name} {self.region.code} {text}", file=self._out, flush=True)

    async def fetch(self, query: RegionQuery, *, timeout: float) -> RegionAnswer:
        started = time.perf_counter()
        try:
            answer = await self._inner.fetch(query, timeout=timeout)
        except RegionFailure as exc:
            self._line(f"{exc.status.value}: {exc.reason}")
            raise
        except asyncio.CancelledError:
            self._line(f"timed_out after {(time.perf_counter() - started) * 1000:.0f} ms")
            raise
        self._line(f"{answer.status.value} {answer.record_count} records {answer.latency_ms:.0f} ms")
        return answer

    async def health(self, *, timeout: float) -> str:
        return await self._inner.health(timeout=timeout)

    async def close(self) -> None:
        await self._inner.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jjj report", description="Issue one three-region credit report.")
    parser.add_argument("--subject", required=True, help="USCC (统一社会信用代码) or resident ID number")
    parser.add_argument(
        "--edition", default="standard", help="standard | administrative | listing | person | financial | …"
    )
    parser.add_argument("--purpose", default="bidding", help="purpose code (e.g. bidding, financing, going_abroad)")
    parser.add_argument("--window-years", type=int, default=3, help="3 or 5 (the listing edition uses 36 months)")
    parser.add_argument("--out", required=True, help="where to write the report: *.json (or *.pdf)")
    parser.add_argument("--consent-ref", required=True, help="reference of the subject's signed consent form")
    parser.add_argument(
        "--pending", metavar="REPORT_NO", help="ask again for a report awaiting department confirmation (financial)"
    )
    return parser


async def issue_report(args: argparse.Namespace, out: TextIO, *, as_pdf: bool = False) -> tuple[IssuedReport, bytes]:
    """Open the broker's services as ``jjj serve`` does, issue one report, close everything; returns the report
    and the document to write (its canonical JSON, or its signed PDF)."""
    from broker.clock import SystemClock
    from broker.reports.models import parse_report_request
    from broker.services import open_services
    from broker.settings import Settings
    from consent.authority import QueryAuthority
    from merge.canonical import digest_of

    body = parse_report_request(
        {"subject": args.subject, "edition": args.edition, "window_years": args.window_years, "purpose": args.purpose}
    )
    # One report, at most one PDF: warming a pool of workers first would only add their start to the wait.
    settings = Settings(pdf_prewarm=False)
    async with open_services(settings, SystemClock(), wrap=lambda f: ProgressFetcher(f, out)) as services:
        authority = QueryAuthority(
            subject=body.parsed_subject,
            grant_id=f"counter:{args.consent_ref}",
            grantee_id=f"cli:{getpass.getuser()}",
            grantee_name="credit centre counter (jjj report)",
            purpose=body.purpose,
        )
        print(f"asking {', '.join(r.display_name for r in REGION_ORDER)} for {body.parsed_subject.masked} …", file=out)
        request_id = f"cli-{int(time.time())}"
        if args.pending:
            entry, _asked = await services.reports.pending_request(args.pending)
            issued = await services.reports.resume(entry, body, request_id=request_id, authority=authority)
        else:
            issued = await services.reports.issue(body, request_id=request_id, authority=authority)
        if not as_pdf:
            return issued, issued.body
        print("rendering and signing the PDF …", file=out, flush=True)
        code = issued.issuance.verification_code
        rendered = await services.pdf.render(
            issued.report, verification_code=code, verify_url=issued.issuance.verify_url, canonical_json=issued.body
        )
        # Kept (encrypted) like a first download, so the code later yields these very bytes.
        stored = await services.snapshots.store_pdf_once(code, rendered, digest_of(rendered))
        return issued, stored or rendered


def main(argv: Sequence[str]) -> int:
    from pydantic import ValidationError

    from broker.errors import ApiError
    from broker.keys import KeysMissing
    from broker.reports.pending import ReportPending
    from consent.errors import ConsentError

    args = build_parser().parse_args(list(argv))
    out_path = Path(args.out)
    if out_path.suffix not in {".json", ".pdf"}:
        print("jjj report: --out must end in .json or .pdf", file=sys.stderr)
        return 2
    try:
        issued, document = asyncio.run(issue_report(args, sys.stdout, as_pdf=out_path.suffix == ".pdf"))
    except ReportPending as pending:
        state = pending.state
        for region in state.regions:
            counts = ", ".join(f"{name} {n}" for name, n in sorted(region.counts.items())) or "-"
            print(f"{Region.from_code(region.region_code).display_name} {region.region_code} {region.status}: {counts}")
        print(f"report {state.report_no} awaits department confirmation (due {state.due_on}); ask again with "
              f"--pending {state.report_no}", file=sys.stderr)  # fmt: skip
        return EXIT_PENDING
    except ApiError as exc:
        status = 2 if exc.status in (400, 413, 422) else 1
        print(f"jjj report: {exc.message}", file=sys.stderr)
        return status
    except ConsentError as exc:  # the store is unreachable: nothing was queried
        print(f"jjj report: {exc.message}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print(f"jjj report: invalid configuration (JJJ_* environment):\n{exc}", file=sys.stderr)
        return 2
    except (KeysMissing, OSError) as exc:
        print(f"jjj report: {exc}", file=sys.stderr)
        return 1
    out_path.write_bytes(document)
    report = issued.report
    print(f"report {report.report_no} written to {out_path} ({len(document)} bytes; JSON {issued.digest})")
    print(f"verification code: {issued.issuance.verification_code}")
    print(f"verify at: {issued.issuance.verify_url}")
    if not report.complete:
        print(f"INCOMPLETE — not a certificate: {report.notice}", file=sys.stderr)
        return EXIT_INCOMPLETE
    return 0
