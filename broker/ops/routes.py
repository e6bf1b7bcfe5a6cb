"""Routes for operators and integrators: health, and the API's own description."""

from __future__ import annotations

from broker.ops.health import healthz
from broker.web.openapi import openapi
from broker.web.routing import Route

ROUTES = (
    Route(
        "GET",
        "/healthz",
        healthz,
        {
            "summary": "Broker, store, per-region and PDF worker health",
            "responses": {
                "200": {
                    "description": "status ok, starting (PDF workers warming) or degraded, with each region's gRPC "
                    "health and the PDF pool's state"
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
