"""Prometheus metrics: one registry per application, HTTP request counts and latencies, and ``GET /metrics``.

The registry is made by the application factory (not at import), so two apps in one process — tests, a CLI beside
a server — never share counters. Contexts register their own metrics on it (:mod:`broker.reports.metrics`).
Routes are labelled by their template (``/v1/reports/{report_no}.json``), never by the path a client sent, so no
report number or code ever becomes a label.
"""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from broker.web.middleware import Handler

REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "jjj_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=registry
        )
        self.seconds = Histogram(
            "jjj_http_request_seconds", "HTTP request latency", ["route"], buckets=_LATENCY_BUCKETS, registry=registry
        )


def route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


HTTP = web.AppKey("http_metrics", HttpMetrics)


@web.middleware
async def http_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics = request.app[HTTP]
        route = route_label(request)
        metrics.requests.labels(route, request.method, str(status)).inc()
        metrics.seconds.labels(route).observe(time.perf_counter() - started)


async def metrics_page(request: web.Request) -> web.Response:
    """``GET /metrics`` in the Prometheus text format (keep it off the public load balancer)."""
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
