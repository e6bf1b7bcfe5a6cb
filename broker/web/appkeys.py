"""Typed application keys of the web layer: settings, clock, templates, and the consent services every page uses.

Each bounded context keeps the keys of its own services beside them (``broker/reports/appkeys.py`` …); the
composition root (:mod:`broker.app`) fills them all.
"""

from __future__ import annotations

import jinja2
from aiohttp import web

from broker.clock import Clock
from broker.keys import KeyRing
from broker.settings import Settings
from consent.accounts import AccountStore
from consent.clients import ClientRegistry
from consent.grant_store import ConsentStore
from consent.oauth.integration import OAuthIntegration
from consent.redis_writes import RedisClient
from consent.sessions import SessionStore
from consent.signin_limits import SignInLimiter
from merge.working_days import WorkingDayCalendar

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
#: Chinese working days (the package plus JJJ_HOLIDAY_SCHEDULES), as the report service counts the window lag.
CALENDAR = web.AppKey("calendar", WorkingDayCalendar)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
REDIS: web.AppKey[RedisClient] = web.AppKey("redis")
KEYRING = web.AppKey("keyring", KeyRing)
# Consent: accounts, sessions, sign-in limit, grants, OAuth clients and the authorization server.
ACCOUNTS = web.AppKey("accounts", AccountStore)
SESSIONS = web.AppKey("sessions", SessionStore)
SIGNIN_LIMITER = web.AppKey("signin_limiter", SignInLimiter)
GRANTS = web.AppKey("grants", ConsentStore)
CLIENTS = web.AppKey("clients", ClientRegistry)
OAUTH = web.AppKey("oauth", OAuthIntegration)
