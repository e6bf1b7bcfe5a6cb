"""Reading an objection form (multipart/form-data) as it streams: text fields bounded, files read chunk by chunk
into memory up to their limits and never written to disk at the broker; anything broken is a 4xx naming the
field (or ``body`` when the multipart itself is broken)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from adapters.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, sniff
from broker.errors import BodyTooLarge, InvalidRequest, MalformedBody

TEXT_FIELDS = frozenset({"subject", "region", "record_id", "kind", "field", "current_value", "proposed_value",
                         "reason", "csrf_token"})  # fmt: skip
MAX_TEXT_CHARS = 4000


@dataclass
class ObjectionUpload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)


async def _read_file(part: BodyPartReader, index: int) -> bytes:
    name = f"attachments[{index}]"
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > MAX_ATTACHMENT_BYTES:
            raise BodyTooLarge(f"{name}: larger than {MAX_ATTACHMENT_BYTES // 1024} KiB", field=name)
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        return content
    if sniff(content) is None:
        raise InvalidRequest(f"{name}: not a PDF, PNG or JPEG file", field=name)
    return content


async def read_objection_form(request: web.Request) -> ObjectionUpload:
    if request.content_type != "multipart/form-data":
        raise MalformedBody("body: send multipart/form-data (fields and attachments)", field="body")
    upload = ObjectionUpload()
    current = "body"
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise MalformedBody("body: nested multipart is not accepted", field="body")
            current = part.name or "body"
            if part.name == "attachments":
                if part.filename is None:
                    raise InvalidRequest("attachments: must be a file", field="attachments")
                if len(upload.files) >= MAX_ATTACHMENTS:
                    raise InvalidRequest(f"attachments: at most {MAX_ATTACHMENTS}", field="attachments")
                content = await _read_file(part, len(upload.files))
                if content:  # an empty file input is no attachment
                    upload.files.append((part.filename, content))
            elif part.name in TEXT_FIELDS:
                raw = await part.read_chunk(MAX_TEXT_CHARS * 4 + 1)
                if len(raw) > MAX_TEXT_CHARS * 4 or await part.read_chunk(1):
                    raise BodyTooLarge(f"{part.name}: too long", field=part.name)
                try:
                    upload.fields[part.name] = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InvalidRequest(f"{part.name}: not UTF-8 text", field=part.name) from None
            else:
                raise InvalidRequest(f"{current}: unknown field", field=current)
    except (ValueError, AssertionError, HttpProcessingError):  # aiohttp's reader: broken boundary, header, encoding
        raise MalformedBody(f"{current}: broken multipart body", field=current) from None
    return upload
