"""Originals for whoever holds the code: ``GET /v1/reports/{report_no}.json|.pdf|/jws?code=…``.

The content is decrypted from the snapshot with the code; the broker cannot read it otherwise. A wrong code
and an unknown number get the same 404, so the answer says nothing about which report numbers exist. Each
attempt counts against the client's and the report's limits.

The PDF is rendered and signed on its first download, then stored encrypted beside the JSON: every later
download is the same bytes, and an uploaded PDF can be checked against its digest.
"""

from __future__ import annotations

from aiohttp import web

from broker.errors import NotFound
from broker.reports.appkeys import PDF_MAKER, SNAPSHOTS
from broker.reports.issuance import verify_url
from broker.reports.signing import DetachedJws
from broker.reports.snapshots import SnapshotMeta, VerifyStatus
from broker.verify.codes import check_code, retry_after_headers
from broker.verify.errors import PdfUnavailable, ReportGone
from broker.verify.ratelimit import RateLimited
from broker.web.appkeys import SETTINGS
from merge.canonical import digest_of
from merge.report import Report
from merge.verification_code import normalise


async def _open(request: web.Request) -> tuple[str, SnapshotMeta, bytes]:
    """The normalised code, the metadata and the canonical JSON, or the right error."""
    report_no = request.match_info["report_no"]
    raw_code = request.query.get("code")
    via = "download:" + request.path.rsplit("/", 1)[-1].rsplit(".", 1)[-1]  # json, pdf or jws
    result = await check_code(request, raw_code, report_no=report_no, via=via)
    meta = result.meta
    if meta is None or meta.report_no != report_no:
        raise NotFound(f"no report {report_no} is known under this code")
    if result.status in (VerifyStatus.EXPIRED, VerifyStatus.REVOKED):
        raise ReportGone(f"report {report_no} is {result.status.value}; its content is no longer held")
    code = normalise(raw_code or "")
    canonical = await request.app[SNAPSHOTS].open_json(code)
    if canonical is None:  # expired between the two reads
        raise ReportGone(f"report {report_no} has expired; its content is no longer held")
    return code, meta, canonical


def _headers(meta: SnapshotMeta, filename: str) -> dict[str, str]:
    return {
        "X-Report-Digest": meta.digest,
        "X-Report-Status": meta.status.value,
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }


def _rate_limited(exc: RateLimited) -> web.Response:
    return web.json_response(exc.to_json(), status=exc.status, headers=retry_after_headers(exc))


async def download_json(request: web.Request) -> web.Response:
    try:
        _code, meta, canonical = await _open(request)
    except RateLimited as exc:
        return _rate_limited(exc)
    headers = _headers(meta, f"{meta.report_no}.json")
    return web.Response(body=canonical, content_type="application/json", charset="utf-8", headers=headers)


async def download_jws(request: web.Request) -> web.Response:
    """The compact JWS of the canonical JSON (RFC 7515), rebuilt from the detached signature kept in clear."""
    try:
        _code, meta, canonical = await _open(request)
    except RateLimited as exc:
        return _rate_limited(exc)
    token = DetachedJws(protected=meta.jws_protected, signature=meta.jws_signature).attach(canonical)
    headers = _headers(meta, f"{meta.report_no}.jws") | {"X-Report-JWS-Kid": meta.kid}
    return web.Response(body=token.encode(), content_type="application/jose", headers=headers)


async def download_pdf(request: web.Request) -> web.Response:
    try:
        code, meta, canonical = await _open(request)
    except RateLimited as exc:
        return _rate_limited(exc)
    snapshots = request.app[SNAPSHOTS]
    pdf = await snapshots.open_pdf(code)
    if pdf is None:
        make_pdf = request.app.get(PDF_MAKER)
        if make_pdf is None:
            raise PdfUnavailable("PDF rendering is not available on this broker; download the JSON or JWS")
        report = Report.model_validate_json(canonical)
        link = verify_url(request.app[SETTINGS].public_base_url, code)
        rendered = await make_pdf(report, verification_code=code, verify_url=link, canonical_json=canonical)
        pdf = await snapshots.store_pdf_once(code, rendered, digest_of(rendered))
        if pdf is None:
            raise ReportGone(f"report {meta.report_no} has expired; its content is no longer held")
    headers = _headers(meta, f"{meta.report_no}.pdf") | {"X-PDF-Digest": digest_of(pdf)}
    return web.Response(body=pdf, content_type="application/pdf", headers=headers)
