"""The composition root: ``create_app(settings)`` builds the aiohttp application; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from adapters.client import AdapterClient
from broker.appkeys import CLOCK, FETCHERS, REDIS, REPORTS, SETTINGS, STORE
from broker.fanout import RegionFetcher
from broker.middleware import errors_middleware
from broker.openapi import openapi
from broker.redis_store import BrokerStore, open_redis
from broker.report_service import Clock, ReportService, SystemClock
from broker.routes.health import healthz
from broker.routes.reports import create_report
from broker.settings import Settings
from merge.regions import REGION_ORDER


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    redis = open_redis(settings)
    app[REDIS] = redis
    app[STORE] = BrokerStore(redis, settings.redis_prefix, settings.subject_key_secret.get_secret_value().encode())
    yield
    await redis.aclose()


async def _regions_ctx(app: web.Application) -> AsyncIterator[None]:
    # One long-lived channel per region for the process lifetime (gRPC's own advice: channels are expensive).
    settings = app[SETTINGS]
    fetchers: Sequence[RegionFetcher] = [
        AdapterClient(region, settings.node_target(region), page_size=settings.page_size) for region in REGION_ORDER
    ]
    app[FETCHERS] = fetchers
    app[REPORTS] = ReportService(settings, app[STORE], fetchers, app[CLOCK])
    yield
    for fetcher in fetchers:
        await fetcher.close()


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(middlewares=[errors_middleware], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.extend([_redis_ctx, _regions_ctx])
    app.router.add_post("/v1/reports", create_report)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/openapi.json", openapi)
    return app
