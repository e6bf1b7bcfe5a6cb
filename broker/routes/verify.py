"""Verification: ``POST /v1/verify`` (API), ``GET``/``POST /verify`` (page, in Chinese), and the JWKS.

Anyone holding a report's code may ask whether it is genuine and current, and whether a file is exactly what
was issued. A malformed code is refused (422, field ``code``) before any lookup or counter; every well-formed
attempt is rate-limited (429 with ``Retry-After``); a store outage refuses (503).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import BodyPartReader, web

from broker.appkeys import CLOCK, ISSUER, KEYRING, RATE_LIMITER, SETTINGS
from broker.errors import BodyTooLarge, InvalidRequest, MalformedBody
from broker.ratelimit import RateLimited
from broker.snapshots import SnapshotMeta, Verification
from merge.canonical import canonical_json_of, digest_of
from merge.editions import Edition
from merge.verification_code import is_well_formed, normalise

_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_CODE_FIELD_MAX = 128
_PDF_MAGIC = b"%PDF-"


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


async def check_code(request: web.Request, raw: str | None, *, report_no: str | None = None) -> Verification:
    """Validate, count the attempt, then look the code up (in that order)."""
    code = require_code(raw)
    await request.app[RATE_LIMITER].hit(client=client_of(request), report_no=report_no)
    return await request.app[ISSUER].snapshots.verify(code, request.app[CLOCK].now())


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
    }


@dataclass(frozen=True, slots=True)
class UploadCheck:
    kind: str  # "pdf" | "json"
    digest: str
    match: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "digest": self.digest, "match": self.match, "detail": self.detail}


def compare_upload(data: bytes, meta: SnapshotMeta | None) -> UploadCheck:
    """Is ``data`` exactly the issued JSON (same canonical content) or the issued PDF (same bytes)?"""
    digest = digest_of(data)
    if data.startswith(_PDF_MAGIC):
        if meta is None:
            return UploadCheck("pdf", digest, False, "no report was issued under this code")
        if meta.pdf_digest is None:
            return UploadCheck("pdf", digest, False, "no PDF of this report has been issued yet")
        same = digest == meta.pdf_digest
        return UploadCheck("pdf", digest, same, "identical" if same else "differs from the issued PDF")
    if meta is None:
        return UploadCheck("json", digest, False, "no report was issued under this code")
    if digest == meta.digest:
        return UploadCheck("json", digest, True, "identical")
    try:
        # The signed form is canonical JSON; the same document re-indented is still the same report.
        same = digest_of(canonical_json_of(json.loads(data))) == meta.digest
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError):
        return UploadCheck("json", digest, False, "neither the issued JSON nor a PDF")
    detail = "same content, reformatted" if same else "differs from the issued report"
    return UploadCheck("json", digest, same, detail)


async def _read_part(part: BodyPartReader, limit: int, field: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"{field}: larger than {limit} bytes", field=field)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(request: web.Request) -> tuple[str | None, bytes | None]:
    """``code`` and ``file`` from a multipart body, the file size-limited (413 naming ``file``)."""
    limit = request.app[SETTINGS].verify_upload_max_bytes
    if request.content_length is not None and request.content_length > limit + _CODE_FIELD_MAX + 4096:
        raise BodyTooLarge(f"file: larger than {limit} bytes", field="file")
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError):
        raise MalformedBody("the body must be multipart/form-data with fields code and file") from None
    code: str | None = None
    data: bytes | None = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise MalformedBody("nested multipart bodies are not accepted")
        if part.name == "code":
            code = (await _read_part(part, _CODE_FIELD_MAX, "code")).decode(errors="replace")
        elif part.name == "file":
            data = await _read_part(part, limit, "file")
        else:
            await part.release()
    return code, data


async def verify_api(request: web.Request) -> web.Response:
    """``POST /v1/verify``: ``{"code": …}`` as JSON, or multipart ``code`` + ``file`` to compare a file."""
    try:
        if request.content_type == "multipart/form-data":
            raw_code, data = await read_upload(request)
            if data is None:
                raise InvalidRequest("file: a file to compare is required in a multipart request", field="file")
        else:
            payload = await request.json() if request.can_read_body else None
            if not isinstance(payload, dict):
                raise MalformedBody('the body must be a JSON object {"code": "…"} or multipart form data')
            raw_code, data = payload.get("code"), None
            if raw_code is not None and not isinstance(raw_code, str):
                raise InvalidRequest("code: must be a string", field="code")
        result = await check_code(request, raw_code)
    except RateLimited as exc:
        return web.json_response(exc.to_json(), status=exc.status, headers=retry_after_headers(exc))
    except json.JSONDecodeError:
        raise MalformedBody("the body is not valid JSON") from None
    body = verification_json(result)
    if data is not None:
        check = compare_upload(data, result.meta)
        body["match"] = check.match
        body["upload"] = check.to_json()
    return web.json_response(body, headers={"Cache-Control": "no-store"})


# --- the page -------------------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


def _edition_name(code: str | None) -> str | None:
    try:
        return Edition(code).display_name if code else None
    except ValueError:
        return code


def _render(
    request: web.Request, *, status: int = 200, headers: dict[str, str] | None = None, **values: Any
) -> web.Response:
    context: dict[str, Any] = {"code": "", "result": None, "error": None, "upload": None, "edition_name": None}
    context.update(values)
    result: dict[str, Any] | None = context["result"]
    if result is not None:
        context["edition_name"] = _edition_name(result["edition"])
        issued = result["issued_at"]
        context["issued_local"] = datetime.fromisoformat(issued).strftime("%Y-%m-%d %H:%M:%S %z") if issued else None
    html = _environment().get_template("verify.html.j2").render(**context)
    all_headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} | (headers or {})
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status, headers=all_headers)


async def _page(request: web.Request, raw_code: str | None, data: bytes | None) -> web.Response:
    if raw_code is None or not raw_code.strip():
        return _render(request)
    try:
        result = await check_code(request, raw_code)
    except InvalidRequest as exc:
        return _render(
            request,
            status=exc.status,
            code=raw_code,
            error="核验码格式不正确：可能有字符输错、颠倒或遗漏，请核对后重新输入。",
        )
    except RateLimited as exc:
        message = f"核验尝试过于频繁，请 {exc.retry_after} 秒后再试。"
        return _render(request, status=exc.status, headers=retry_after_headers(exc), code=raw_code, error=message)
    code = normalise(raw_code)
    upload = compare_upload(data, result.meta).to_json() if data is not None else None
    shown = verification_json(result)
    return _render(request, code=code, result=shown, upload=upload)


async def verify_page(request: web.Request) -> web.Response:
    """``GET /verify?code=…``: the page the QR code opens."""
    return await _page(request, request.query.get("code"), None)


async def verify_page_upload(request: web.Request) -> web.Response:
    """``POST /verify``: the page's upload form (multipart ``code`` + ``file``)."""
    try:
        raw_code, data = await read_upload(request)
    except BodyTooLarge as exc:
        return _render(
            request, status=exc.status, error=f"文件过大（上限 {request.app[SETTINGS].verify_upload_max_bytes} 字节）。"
        )
    return await _page(request, raw_code, data)


async def jwks(request: web.Request) -> web.Response:
    """``GET /.well-known/jwks.json``: every public key that ever signed a report (RFC 7517)."""
    return web.json_response(request.app[KEYRING].public_jwks(), headers={"Cache-Control": "public, max-age=300"})
