"""The composition root: ``create_app(settings)`` builds the aiohttp application; nothing happens at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

from aiohttp import web

from adapters.client import AdapterClient
from broker.appkeys import (
    AUDIT,
    CLOCK,
    FETCHERS,
    ISSUER,
    KEYRING,
    PDF_MAKER,
    RATE_LIMITER,
    REDIS,
    REPORTS,
    SETTINGS,
    STORE,
)
from broker.audit import AuditLog
from broker.auth import consent_ctx
from broker.fanout import RegionFetcher
from broker.issuance import Issuer
from broker.keys import load_keyring
from broker.middleware import errors_middleware
from broker.openapi import openapi
from broker.pdf.pool import PdfRenderer
from broker.ratelimit import Limit, RateLimiter
from broker.redis_store import BrokerStore, open_redis
from broker.report_service import Clock, ReportService, SystemClock
from broker.routes.consent import add_consent_routes
from broker.routes.downloads import download_json, download_jws, download_pdf
from broker.routes.health import healthz
from broker.routes.oidc import oidc_ctx
from broker.routes.reports import create_report
from broker.routes.verify import jwks, verify_api, verify_page, verify_page_upload
from broker.settings import Settings
from broker.snapshots import SnapshotStore
from broker.warrant_issuer import WarrantIssuer
from merge.regions import REGION_ORDER


async def _redis_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    redis = open_redis(settings)
    app[REDIS] = redis
    app[STORE] = BrokerStore(redis, settings.redis_prefix, settings.subject_key_secret.get_secret_value().encode())
    yield
    await redis.aclose()


async def _issuance_ctx(app: web.Application) -> AsyncIterator[None]:
    # Without signing keys no report can be issued: refuse to start (KeysMissing says to run `jjj keys init`).
    settings = app[SETTINGS]
    ring = load_keyring(settings.keys_dir)
    app[KEYRING] = ring
    snapshots = SnapshotStore(
        app[REDIS],
        settings.redis_prefix,
        validity=timedelta(days=settings.report_validity_days),
        retention=timedelta(days=settings.report_metadata_retention_days),
    )
    app[ISSUER] = Issuer(ring, snapshots, public_base_url=settings.public_base_url)
    app[RATE_LIMITER] = RateLimiter(
        app[REDIS],
        settings.redis_prefix,
        per_client=Limit(settings.verify_attempts_per_client, settings.verify_window_s),
        per_report=Limit(settings.verify_attempts_per_report, settings.verify_window_s),
    )
    yield


async def _pdf_ctx(app: web.Application) -> AsyncIterator[None]:
    # Worker processes start on the first PDF (or now, with pdf_prewarm), never at import or per request.
    settings = app[SETTINGS]
    renderer = PdfRenderer(workers=settings.pdf_workers, keyring=app[KEYRING])
    app[PDF_MAKER] = renderer.render
    warm = asyncio.create_task(renderer.start()) if settings.pdf_prewarm else None
    yield
    if warm is not None and not warm.done():
        warm.cancel()
    await asyncio.to_thread(renderer.close)


async def _regions_ctx(app: web.Application) -> AsyncIterator[None]:
    # One long-lived channel per region for the process lifetime (gRPC's own advice: channels are expensive).
    settings = app[SETTINGS]
    fetchers: Sequence[RegionFetcher] = [
        AdapterClient(region, settings.node_target(region), page_size=settings.page_size) for region in REGION_ORDER
    ]
    app[FETCHERS] = fetchers
    app[AUDIT] = AuditLog(
        app[REDIS], settings.redis_prefix, app[KEYRING], checkpoint_every=settings.audit_checkpoint_every
    )
    # One warrant per regional call, signed with the key ring's active key (invariant 3).
    warrants = WarrantIssuer(app[KEYRING], issuer=settings.public_base_url, lifetime_s=settings.warrant_lifetime_s)
    app[REPORTS] = ReportService(
        settings, app[STORE], fetchers, app[CLOCK], issuer=app[ISSUER], warrants=warrants, audit=app[AUDIT]
    )
    yield
    for fetcher in fetchers:
        await fetcher.close()


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(middlewares=[errors_middleware], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.extend([_redis_ctx, _issuance_ctx, _pdf_ctx, _regions_ctx, consent_ctx, oidc_ctx])
    app.router.add_post("/v1/reports", create_report)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/.well-known/jwks.json", jwks)
    app.router.add_get("/verify", verify_page)
    app.router.add_post("/verify", verify_page_upload)
    app.router.add_post("/v1/verify", verify_api)
    app.router.add_get("/v1/reports/{report_no}.json", download_json)
    app.router.add_get("/v1/reports/{report_no}.pdf", download_pdf)
    app.router.add_get("/v1/reports/{report_no}/jws", download_jws)
    add_consent_routes(app)
    return app
