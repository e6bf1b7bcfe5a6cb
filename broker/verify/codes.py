"""A verification code's way in: checked for typos first, counted against the limits, then looked up.

A malformed code is refused (422, field ``code``) before any lookup or counter; every well-formed attempt is
rate-limited (429 with ``Retry-After``); a store outage refuses (503).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.errors import InvalidRequest
from broker.reports.appkeys import SNAPSHOTS
from broker.reports.snapshots import Verification
from broker.reports.store import is_report_no
from broker.verify.appkeys import RATE_LIMITER
from broker.verify.ratelimit import RateLimited
from broker.web.appkeys import CLOCK
from broker.web.middleware import REQUEST_ID
from merge.verification_code import is_well_formed, normalise


def require_code(value: str | None) -> str:
    """The normalised code, or 422 naming ``code``: a typo is caught here, before any lookup."""
    if value is None or not value.strip():
        raise InvalidRequest("code: a verification code is required", field="code")
    if not is_well_formed(value):
        raise InvalidRequest(
            "code: not a valid verification code (a character is mistyped, swapped or missing); "
            "codes look like XXXX-XXXX-XXXX-XXXX-X",
            field="code",
        )
    return normalise(value)


def client_of(request: web.Request) -> str:
    return request.remote or "unknown"


def retry_after_headers(exc: RateLimited) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)}


async def check_code(
    request: web.Request, raw: str | None, *, report_no: str | None = None, via: str = "verify"
) -> Verification:
    """Validate the code's form, then look it up; only a wrong code counts against the limits.

    A client over its own limit is refused first (its failures, nobody else's). A code that opens no report —
    or not the report the path names — counts once for the client and, when the path names a well-formed report
    number, for that report; past either limit the guess is answered 429. A right code is never counted and never
    refused because of others' wrong guesses.
    """
    code = require_code(raw)
    limiter, client = request.app[RATE_LIMITER], client_of(request)
    await limiter.check(client=client)
    result = await request.app[SNAPSHOTS].verify(code, request.app[CLOCK].now())
    if result.meta is None or (report_no is not None and result.meta.report_no != report_no):
        await limiter.fail(client=client, report_no=report_no if report_no and is_report_no(report_no) else None)
    elif result.meta.subject_key:
        await record_lookup(request, result.meta.subject_key, result, via)
    return result


async def record_lookup(request: web.Request, subject_key: str, result: Verification, via: str) -> None:
    """Invariant 8: a lookup of a report by its code (verify, download) is in its subject's "who queried me".

    The entry names the report and how it was looked up, never who holds the code (nobody is identified)."""
    report_no = result.meta.report_no if result.meta else ""
    await request.app[AUDIT].append(
        action=Action.REPORT_LOOKUP, actor="code-holder", outcome=result.status.value, subject_key=subject_key,
        request_id=str(request.get(REQUEST_ID, "")), detail={"report_no": report_no, "via": via},
    )  # fmt: skip


def verification_json(result: Verification) -> dict[str, Any]:
    meta = result.meta
    return {
        "status": result.status.value,
        "certificate_usable": result.certificate_usable,
        "complete": meta.complete if meta else None,
        "report_no": meta.report_no if meta else None,
        "issued_at": meta.issued_at if meta else None,
        "expires_at": meta.expires_at if meta else None,
        "edition": meta.edition if meta else None,
        "subject": meta.subject if meta else None,
        "digest": meta.digest if meta else None,
        "pdf_digest": meta.pdf_digest if meta else None,
        "kid": meta.kid if meta else None,
        # Why a report is suspended (an objection open, or upheld): no record content.
        "reason": (meta.status_reason or None) if meta else None,
    }
