"""``GET /openapi.json``: an OpenAPI 3.1 document assembled from the route table.

Each route carries its own operation (:class:`broker.web.routing.Route`); schemas come from the pydantic models
that validate requests and build reports, so the document cannot drift from what the code accepts and returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from broker.web.routing import ROUTES, SPEC_CACHE, Published, Route
from consent.clients import SCOPE_EDITIONS

_REF = "#/components/schemas/{model}"

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "the request field at fault, when there is one"},
            },
        }
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "jjj_session",
        "description": "signed-in subject; state changes also need the X-CSRF-Token header",
    },
    "oauth2": {
        "type": "oauth2",
        "description": "authorization code + PKCE (S256); access tokens are RFC 9068 JWTs living ≤ 10 minutes",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/oauth/authorize",
                "tokenUrl": "/oauth/token",
                "scopes": {scope: f"the {scope.removeprefix('report:')} edition" for scope in sorted(SCOPE_EDITIONS)},
            }
        },
    },
}


def ref(name: str) -> dict[str, str]:
    """A reference to the schema of a model listed in the route's ``models``."""
    return {"$ref": _REF.format(model=name)}


def error(description: str) -> dict[str, Any]:
    """A response whose body is the broker's JSON error."""
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def ok(description: str) -> dict[str, Any]:
    return {"200": {"description": description}}


#: A form-encoded request body (sign-in, OAuth).
FORM = {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}


def _publish(published: Published, components: dict[str, Any]) -> None:
    model, mode = published
    schema = model.model_json_schema(by_alias=True, ref_template=_REF, mode=mode)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema


def build_spec(routes: Sequence[Route]) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": _ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = dict(route.doc)
        for published in route.models:
            _publish(published, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jjj broker",
            "version": "1",
            "description": "One login, three regions: public credit reports from Beijing, Tianjin and Hebei.",
        },
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": SECURITY_SCHEMES},
    }


async def openapi(request: web.Request) -> web.Response:
    cache = request.app[SPEC_CACHE]
    if not cache:  # built on first use, once per application (the table does not change after start)
        routes: tuple[Route, ...] = request.app[ROUTES]
        cache.update(build_spec(routes))
    return web.json_response(cache)
