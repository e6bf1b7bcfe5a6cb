"""Typed application keys: the long-lived resources the app factory opens in ``cleanup_ctx``."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from aiohttp import web

from broker.fanout import RegionFetcher
from broker.redis_store import BrokerStore
from broker.report_service import Clock, ReportService
from broker.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
REDIS = web.AppKey("redis", aioredis.Redis)
STORE = web.AppKey("store", BrokerStore)
FETCHERS = web.AppKey("fetchers", Sequence[RegionFetcher])
REPORTS = web.AppKey("reports", ReportService)
