"""``GET /openapi.json``: an OpenAPI 3.1 description of every endpoint, with schemas from the pydantic models.

The schemas are generated from the same models that validate requests and build reports, so the document
cannot drift from what the code accepts and returns.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from broker.openapi_consent import SECURITY_SCHEMES, consent_paths
from broker.requests import ReportRequestBody
from broker.routes.verify_openapi import ISSUANCE_HEADERS, verification_paths
from merge.report import Report

_REF = "#/components/schemas/{model}"


def _schema(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, str]:
    schema = model.model_json_schema(by_alias=True, ref_template=_REF, mode=mode)  # type: ignore[arg-type]
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


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


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
    }


@cache
def build_spec() -> dict[str, Any]:
    components: dict[str, Any] = {"Error": _ERROR}
    request_ref = _schema(ReportRequestBody, components, "validation")
    report_ref = _schema(Report, components, "serialization")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jjj broker",
            "version": "1",
            "description": "One login, three regions: public credit reports from Beijing, Tianjin and Hebei.",
        },
        "paths": {
            "/v1/reports": {
                "post": {
                    "summary": "Issue a three-region public credit report",
                    "description": (
                        "Asks the Beijing, Tianjin and Hebei nodes at the same time under one deadline and merges "
                        "their answers. The body is the report's canonical JSON; X-Report-Digest is its SHA-256. "
                        "A report with any region unanswered has complete=false and is not a certificate."
                    ),
                    "security": [{"session": []}, {"oauth2": ["report:standard"]}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": request_ref}}},
                    "responses": {
                        "200": {
                            "description": "the report",
                            "headers": {"X-Report-Digest": {"schema": {"type": "string"}}, **ISSUANCE_HEADERS},
                            "content": {"application/json": {"schema": report_ref}},
                        },
                        "400": _error("the body is not a JSON object"),
                        "401": _error("neither a session nor a valid Bearer access token"),
                        "403": _error(
                            "no consent for this query (own report only when signed in; a grant must "
                            "cover subject, edition, window, regions and still be active)"
                        ),
                        "413": _error("the body is too large"),
                        "422": _error("a field is invalid; `field` names it"),
                        "503": _error("the consent store is unreachable; nothing was queried"),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Broker, store and per-region health",
                    "responses": {"200": {"description": "status ok or degraded, with each region's gRPC health"}},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}
            },
            **verification_paths(_error),
            **consent_paths(_error),
        },
        "components": {"schemas": components, "securitySchemes": SECURITY_SCHEMES},
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(build_spec())
