"""Verification: ``POST /v1/verify`` (API), ``GET``/``POST /verify`` (page, Chinese or English), and the JWKS.

Anyone holding a report's code may ask whether it is genuine and current, and whether a file is exactly what
was issued.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.answer_verify import AnswerVerifier
from broker.errors import BodyTooLarge, InvalidRequest, MalformedBody
from broker.verify.codes import check_code, retry_after_headers, verification_json
from broker.verify.ratelimit import RateLimited
from broker.verify.uploads import compare_upload, read_upload, region_checks
from broker.web import messages
from broker.web.appkeys import KEYRING, SETTINGS
from broker.web.bodies import read_json
from broker.web.i18n import N_, gettext
from broker.web.templates import render
from merge.verification_code import normalise


async def verify_api(request: web.Request) -> web.Response:
    """``POST /v1/verify``: ``{"code": …}`` as JSON, or multipart ``code`` + ``file`` to compare a file."""
    try:
        if request.content_type == "multipart/form-data":
            raw_code, data = await read_upload(request)
            if data is None:
                raise InvalidRequest("file: a file to compare is required in a multipart request", field="file")
        else:
            limit = request.app[SETTINGS].max_body_bytes
            payload = await read_json(request, limit) if request.can_read_body else None
            if not isinstance(payload, dict):
                raise MalformedBody('the body must be a JSON object {"code": "…"} or multipart form data')
            raw_code, data = payload.get("code"), None
            if raw_code is not None and not isinstance(raw_code, str):
                raise InvalidRequest("code: must be a string", field="code")
        result = await check_code(request, raw_code)
    except RateLimited as exc:
        return web.json_response(exc.to_json(), status=exc.status, headers=retry_after_headers(exc))
    body = verification_json(result)
    if data is not None:
        check = compare_upload(data, result.meta)
        body["match"] = check.match
        body["upload"] = check.to_json()
        # Each region's part, against its region's key: which region's part (if any) was changed.
        body.update(await asyncio.to_thread(region_checks, data, _answer_verifier(request.app[SETTINGS].tls_ca)))
    return web.json_response(body, headers={"Cache-Control": "no-store"})


@functools.lru_cache(maxsize=4)
def _verifier_for(path: Path, mtime_ns: int) -> AnswerVerifier:
    return AnswerVerifier.from_pem(path.read_bytes())


def _answer_verifier(path: Path) -> AnswerVerifier:
    """The federation CA's verifier (read again when the file changes)."""
    return _verifier_for(path, path.stat().st_mtime_ns)


def _render(
    request: web.Request, *, status: int = 200, headers: dict[str, str] | None = None, **values: Any
) -> web.Response:
    context: dict[str, Any] = {"code": "", "result": None, "error": None, "upload": None}
    context.update(values)
    all_headers = {"Referrer-Policy": "no-referrer"} | (headers or {})
    return render(request, "verify.html.j2", status, headers=all_headers, **context)


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
            error=messages.for_field("code"),
        )
    except RateLimited as exc:
        message = gettext(N_("核验尝试过于频繁，请 %(seconds)s 秒后再试。"), seconds=exc.retry_after)
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
            request,
            status=exc.status,
            error=gettext(N_("文件过大（上限 %(limit)s 字节）。"), limit=request.app[SETTINGS].verify_upload_max_bytes),
        )
    return await _page(request, raw_code, data)


async def jwks(request: web.Request) -> web.Response:
    """``GET /.well-known/jwks.json``: every public key that ever signed a report (RFC 7517)."""
    return web.json_response(request.app[KEYRING].public_jwks(), headers={"Cache-Control": "public, max-age=300"})
