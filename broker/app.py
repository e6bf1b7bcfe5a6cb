"""The composition root: ``create_app(settings)`` builds the broker's aiohttp application from its contexts.

Each bounded context contributes its route table (reports, verification, the subject's account, OAuth,
operations); :func:`broker.services.open_services` opens the services they run on, and their application keys
are filled here. Nothing happens at import.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

from aiohttp import web

from broker.account.appkeys import account_ctx
from broker.account.oidc import oidc_ctx
from broker.account.routes import ROUTES as ACCOUNT_ROUTES
from broker.audit.appkeys import AUDIT
from broker.clock import Clock, SystemClock
from broker.oauth.routes import ROUTES as OAUTH_ROUTES
from broker.objections.appkeys import objections_ctx
from broker.objections.routes import ROUTES as OBJECTION_ROUTES
from broker.ops.routes import ROUTES as OPS_ROUTES
from broker.reports.appkeys import FETCHERS, PDF_MAKER, PDF_POOL, REPORT_STORE, REPORTS, SNAPSHOTS
from broker.reports.observed import timed_pdf
from broker.reports.routes import ROUTES as REPORT_ROUTES
from broker.services import Services, open_services
from broker.settings import Settings
from broker.verify.appkeys import RATE_LIMITER
from broker.verify.routes import ROUTES as VERIFY_ROUTES
from broker.web.appkeys import (
    ACCOUNTS,
    CALENDAR,
    CLIENTS,
    CLOCK,
    GRANTS,
    KEYRING,
    OAUTH,
    REDIS,
    SESSIONS,
    SETTINGS,
    SIGNIN_LIMITER,
)
from broker.web.factory import new_application
from broker.web.metrics import REGISTRY, REPORT_METRICS
from merge.edition_files import install, load_catalogue

ROUTES = (*REPORT_ROUTES, *VERIFY_ROUTES, *ACCOUNT_ROUTES, *OBJECTION_ROUTES, *OAUTH_ROUTES, *OPS_ROUTES)


def _install(app: web.Application, services: Services) -> None:
    app[REDIS] = services.redis
    app[KEYRING] = services.keyring
    app[ACCOUNTS] = services.consent.accounts
    app[SESSIONS] = services.consent.sessions
    app[SIGNIN_LIMITER] = services.consent.signin_limiter
    app[GRANTS] = services.consent.grants
    app[CLIENTS] = services.consent.clients
    app[OAUTH] = services.consent.oauth
    app[AUDIT] = services.audit
    app[SNAPSHOTS] = services.snapshots
    app[REPORT_STORE] = services.report_store
    app[FETCHERS] = services.fetchers
    app[REPORTS] = services.reports
    app[RATE_LIMITER] = services.rate_limiter
    app[PDF_MAKER] = timed_pdf(services.pdf.render, services.metrics)
    app[REPORT_METRICS] = services.metrics
    app[CALENDAR] = services.calendar
    app[PDF_POOL] = services.pdf


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    async with open_services(app[SETTINGS], app[CLOCK], registry=app[REGISTRY]) as services:
        _install(app, services)
        yield


async def _frozen_ctx(app: web.Application) -> AsyncIterator[None]:
    """Last at start-up: what is loaded by now (modules, templates, catalogues, key rings, the services) lives as
    long as the process, so move it out of the cyclic collector's sight (``gc.freeze``). Every full collection
    under load then scans only the requests' objects, not the whole heap again (perf15: part of the broker's CPU
    per report was collections walking start-up objects)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    # The editions this broker issues (a malformed file stops it here, naming the file and the field).
    install(load_catalogue(settings.editions_dir))
    return new_application(
        settings,
        clock or SystemClock(),
        routes=ROUTES,
        contexts=[_services_ctx, account_ctx, oidc_ctx, objections_ctx, _frozen_ctx],
    )
