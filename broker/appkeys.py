"""Typed application keys: the long-lived resources the app factory opens in ``cleanup_ctx``."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from aiohttp import web

from broker.audit import AuditLog
from broker.fanout import RegionFetcher
from broker.issuance import Issuer, PdfMaker
from broker.keys import KeyRing
from broker.ratelimit import RateLimiter
from broker.redis_store import BrokerStore
from broker.report_service import Clock, ReportService
from broker.settings import Settings
from consent.accounts import AccountStore
from consent.clients import ClientRegistry
from consent.grant_store import ConsentStore
from consent.oauth.integration import OAuthIntegration
from consent.sessions import SessionStore, SignInLimiter

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
REDIS = web.AppKey("redis", aioredis.Redis)
STORE = web.AppKey("store", BrokerStore)
FETCHERS = web.AppKey("fetchers", Sequence[RegionFetcher])
REPORTS = web.AppKey("reports", ReportService)
KEYRING = web.AppKey("keyring", KeyRing)
ISSUER = web.AppKey("issuer", Issuer)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
#: Optional: set when PDF rendering is available; without it ``GET /v1/reports/{no}.pdf`` answers 501.
PDF_MAKER = web.AppKey("pdf_maker", PdfMaker)
#: The hash-chained audit log (broker/audit.py): ``await request.app[AUDIT].append(...)``.
AUDIT = web.AppKey("audit", AuditLog)
# Consent: accounts, sessions, sign-in limit, grants, OAuth clients and the authorization server.
ACCOUNTS = web.AppKey("accounts", AccountStore)
SESSIONS = web.AppKey("sessions", SessionStore)
SIGNIN_LIMITER = web.AppKey("signin_limiter", SignInLimiter)
GRANTS = web.AppKey("grants", ConsentStore)
CLIENTS = web.AppKey("clients", ClientRegistry)
OAUTH = web.AppKey("oauth", OAuthIntegration)
