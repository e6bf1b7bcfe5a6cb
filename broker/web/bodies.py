"""Reading request bodies within their limits: a clear 4xx naming the problem, never a 500.

Every handler reads its body through these, so a malformed body — JSON that is not UTF-8, nested beyond
reason or with a number of thousands of digits; a form or multipart body that is broken, without a boundary or in
an unknown charset — is one :class:`~broker.errors.MalformedBody` (400), and a body over its limit one
:class:`~broker.errors.BodyTooLarge` (413), whoever reads it.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from broker.errors import BodyTooLarge, MalformedBody
from broker.web.appkeys import SETTINGS

#: Parse failures of a body, as the standard library and aiohttp raise them (ValueError covers a JSON syntax
#: error, "Exceeds the limit (4300 digits)", a missing multipart boundary and a truncated part; LookupError an
#: unknown charset; RecursionError JSON nested too deep; HttpProcessingError a part's malformed header).
PARSE_ERRORS = (ValueError, UnicodeError, LookupError, RecursionError, AssertionError, HttpProcessingError)


async def read_json(request: web.Request, max_bytes: int) -> Any:
    """The body parsed as JSON; 413 when larger than ``max_bytes``, 400 when not JSON."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise BodyTooLarge(f"the body is larger than {max_bytes} bytes")
    try:
        return json.loads(raw)
    except PARSE_ERRORS as exc:
        raise MalformedBody(f"the body is not valid JSON ({type(exc).__name__})") from None


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The form fields (urlencoded or multipart); 400 when the body is broken, 413 when too large."""
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge(f"the body is larger than {request.app[SETTINGS].max_body_bytes} bytes") from None
    except PARSE_ERRORS as exc:
        raise MalformedBody(f"the form body cannot be read ({type(exc).__name__}): {str(exc)[:80]}") from None


def form_value(form: object, name: str) -> str | None:
    """A form field's text, or None when absent or a file."""
    value = form.get(name) if hasattr(form, "get") else None
    return value if isinstance(value, str) else None
