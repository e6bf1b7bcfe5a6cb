"""The application factory: middleware, templates, the route table and the resources' lifetimes — all given.

It knows no bounded context: :mod:`broker.app` (the composition root) hands it the route table and the cleanup
contexts that open the services. Nothing happens at import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry

from broker.clock import Clock
from broker.settings import Settings
from broker.web.appkeys import CLOCK, SETTINGS, TEMPLATES
from broker.web.i18n import language_middleware
from broker.web.metrics import HTTP, REGISTRY, HttpMetrics, http_metrics
from broker.web.middleware import errors_middleware
from broker.web.routing import Route, add_routes
from broker.web.security_headers import security_headers
from broker.web.templates import environment

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def new_application(
    settings: Settings, clock: Clock, *, routes: Sequence[Route], contexts: Sequence[CleanupContext]
) -> web.Application:
    app = web.Application(
        middlewares=[http_metrics, security_headers, language_middleware, errors_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[REGISTRY] = CollectorRegistry()
    app[HTTP] = HttpMetrics(app[REGISTRY])
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[TEMPLATES] = environment()
    app.cleanup_ctx.extend(contexts)
    add_routes(app, routes)
    return app
