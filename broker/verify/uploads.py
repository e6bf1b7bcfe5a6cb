"""Is this file exactly what was issued? Reading an upload within its limit, comparing it by digest, and checking
each region's signed part in it (:mod:`broker.verify.report_check`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

from adapters.answer_verify import AnswerVerifier
from broker.errors import BodyTooLarge, MalformedBody
from broker.reports.snapshots import SnapshotMeta
from broker.verify.report_check import NotAReport, check_regions, pdf_report_json
from broker.web.appkeys import SETTINGS
from broker.web.bodies import PARSE_ERRORS
from merge.canonical import canonical_json_of, digest_of

_CODE_FIELD_MAX = 128
_PDF_MAGIC = b"%PDF-"


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


def region_checks(data: bytes, verifier: AnswerVerifier) -> dict[str, Any]:
    """Each region's part of an uploaded report (its JSON, or the JSON attached to its PDF), checked against its
    region's key: ``{"regions_verified": bool, "regions": [...]}``, the failing regions named; or why it could not
    be read. Blocking for a large report: run it in a thread."""
    try:
        document = json.loads(pdf_report_json(data) if data.startswith(_PDF_MAGIC) else data)
        checks = check_regions(document, verifier)
    except (ValueError, NotAReport, KeyError, TypeError) as exc:
        return {"regions_verified": False, "regions": [], "regions_error": str(exc)[:200]}
    return {
        "regions_verified": all(check.verified is not False for check in checks),
        "regions": [check.to_json() for check in checks],
    }


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
        return await _fields(await request.multipart(), limit)
    except PARSE_ERRORS:
        # No boundary, a part cut short, an unknown charset: nothing was checked, nothing changed.
        raise MalformedBody("the body must be multipart/form-data with fields code and file") from None


async def _fields(reader: MultipartReader, limit: int) -> tuple[str | None, bytes | None]:
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
