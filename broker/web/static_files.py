"""``GET /static/{name}``: the portal's stylesheet and scripts, package data of :mod:`broker.web`.

Served from a fixed list (no path from the request reaches the file system), cacheable, with their own types:
the pages' Content-Security-Policy allows styles and scripts from here only, never inline.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

from broker.errors import NotFound

_TYPES = {".css": "text/css", ".js": "text/javascript"}


@cache
def _asset(name: str) -> bytes | None:
    if "/" in name or "\\" in name or name.startswith(".") or not name.endswith(tuple(_TYPES)):
        return None
    path = resources.files("broker.web") / "static" / name
    return path.read_bytes() if path.is_file() else None


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    data = _asset(name)
    if data is None:
        raise NotFound(f"no such file: {name[:80]}")
    content_type = _TYPES[name[name.rindex(".") :]]
    return web.Response(
        body=data, content_type=content_type, charset="utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )
