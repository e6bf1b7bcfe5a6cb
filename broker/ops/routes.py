"""Routes for operators and integrators: health, and the API's own description."""

from __future__ import annotations

from broker.ops.health import healthz, live, ready
from broker.web.metrics import metrics_page
from broker.web.openapi import openapi
from broker.web.routing import Route
from broker.web.static_files import static_file

_STATIC = {
    "summary": "The portal's stylesheets and scripts",
    "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the file"}, "404": {"description": "no such file"}},
}

ROUTES = (
    Route(
        "GET",
        "/healthz/live",
        live,
        {"summary": "Liveness: the process answers", "responses": {"200": {"description": "live"}}},
    ),
    Route(
        "GET",
        "/healthz/ready",
        ready,
        {
            "summary": "Readiness: store, PDF workers and calendar (a region down leaves a replica ready)",
            "responses": {"200": {"description": "ready"}, "503": {"description": "not ready, with the reasons"}},
        },
    ),
    Route(
        "GET",
        "/metrics",
        metrics_page,
        {
            "summary": "Prometheus metrics (keep off the public load balancer)",
            "responses": {"200": {"description": "text format"}},
        },
    ),
    Route("GET", "/static/{name}", static_file, _STATIC),
    Route(
        "GET",
        "/healthz",
        healthz,
        {
            "summary": "Broker, store, per-region, PDF worker and working-day calendar health",
            "responses": {
                "200": {
                    "description": "status ok, starting (PDF workers warming) or degraded, with each region's gRPC "
                    "health, the PDF pool's state, the calendar entry and warnings"
                }
            },
        },
    ),
    Route(
        "GET",
        "/openapi.json",
        openapi,
        {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}},
    ),
)
