"""Prometheus metrics: one registry per application, HTTP request counts and latencies, and ``GET /metrics``.

The registry is made by the application factory (not at import), so two apps in one process — tests, a CLI beside
a server — never share counters. :class:`RegionMetrics` (per region: latency, outcomes, breaker state) and
:class:`ReportMetrics` (reports by edition and completeness, PDF render time, Redis errors) are registered on it by
the composition root; README "Operations" lists every family.
Routes are labelled by their template (``/v1/reports/{report_no}.json``), never by the path a client sent, so no
report number or code ever becomes a label.
"""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from broker.web.middleware import STORE_DOWN, Handler
from merge.regions import Region

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


#: The breaker-state gauge's values (purgatory's state names).
BREAKER_STATES = {"closed": 0, "half-opened": 1, "opened": 2}
_REGION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0)


class RegionMetrics:
    """What the fan-out saw of each region: every call's latency and outcome, and the breaker's state."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.seconds = Histogram(
            "jjj_region_call_seconds", "Latency of each regional call, by outcome", ["region", "status"],
            buckets=_REGION_BUCKETS, registry=registry,
        )  # fmt: skip
        self.outcomes = Counter(
            "jjj_region_calls", "Regional calls by outcome", ["region", "status"], registry=registry
        )
        self.breaker = Gauge(
            "jjj_region_breaker_state", "Circuit breaker per region: 0 closed, 1 half-open, 2 open (not asked)",
            ["region"], registry=registry,
        )  # fmt: skip

    def observe(self, region: Region, status: str, seconds: float) -> None:
        self.seconds.labels(region.value, status).observe(seconds)
        self.outcomes.labels(region.value, status).inc()

    def breaker_state(self, region: Region, state: str) -> None:
        self.breaker.labels(region.value).set(BREAKER_STATES.get(state, 0))


class ReportMetrics:
    """Reports issued by edition and completeness (and failed requests), PDF render time, Redis errors."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.reports = Counter(
            "jjj_reports", "Report requests by edition and outcome (complete, incomplete, failed)",
            ["edition", "outcome"], registry=registry,
        )  # fmt: skip
        self.pdf_seconds = Histogram(
            "jjj_pdf_render_seconds", "Time to render and sign one report PDF", buckets=_LATENCY_BUCKETS,
            registry=registry,
        )  # fmt: skip
        self.redis_errors = Counter(
            "jjj_redis_errors", "Requests refused because Redis (the consent store) was unreachable", registry=registry
        )


def route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


HTTP = web.AppKey("http_metrics", HttpMetrics)
REPORT_METRICS = web.AppKey("report_metrics", ReportMetrics)


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
        if request.get(STORE_DOWN) and REPORT_METRICS in request.app:
            request.app[REPORT_METRICS].redis_errors.inc()


async def metrics_page(request: web.Request) -> web.Response:
    """``GET /metrics`` in the Prometheus text format (keep it off the public load balancer)."""
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
