"""Routes as data: each bounded context declares its routes, each with its OpenAPI operation beside the handler.

The application factory receives the whole table and adds it (:func:`add_routes`); ``/openapi.json`` is built
from the same table (:mod:`broker.web.openapi`), so no path is ever typed twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: A pydantic model published under ``components/schemas``, in the mode its JSON schema is taken in.
Published = tuple[type[BaseModel], Literal["validation", "serialization"]]


@dataclass(frozen=True, slots=True)
class Route:
    """One method on one path: its handler and its OpenAPI operation object."""

    method: Literal["GET", "POST"]
    path: str
    handler: Handler
    doc: Mapping[str, Any]
    #: Models the operation refers to with :func:`broker.web.openapi.ref` (their schemas go in the document).
    models: Sequence[Published] = field(default=())


ROUTES = web.AppKey("routes", tuple[Route, ...])
#: The OpenAPI document, built from :data:`ROUTES` on its first request (the table is fixed once the app runs).
SPEC_CACHE = web.AppKey("openapi_spec", dict[str, Any])


def add_routes(app: web.Application, routes: Sequence[Route]) -> None:
    """Add every route to ``app`` and keep the table for the OpenAPI document."""
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
    app[ROUTES] = tuple(routes)
    app[SPEC_CACHE] = {}
