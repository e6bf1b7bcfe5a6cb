"""Reading request bodies within their limits: a clear 4xx naming the problem, never a 500."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from broker.errors import BodyTooLarge, MalformedBody


async def read_json(request: web.Request, max_bytes: int) -> Any:
    """The body parsed as JSON; 413 when larger than ``max_bytes``, 400 when not JSON."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None


def form_value(form: object, name: str) -> str | None:
    """A form field's text, or None when absent or a file."""
    value = form.get(name) if hasattr(form, "get") else None
    return value if isinstance(value, str) else None
