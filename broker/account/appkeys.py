"""Typed application keys of the subject's own context: the owner keys and the list of my reports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from broker.account.report_list import ReportList
from broker.account.vault import OwnerVault
from broker.web.appkeys import REDIS, SETTINGS

VAULT = web.AppKey("owner_vault", OwnerVault)
REPORT_LIST = web.AppKey("report_list", ReportList)


async def account_ctx(app: web.Application) -> AsyncIterator[None]:
    """After the services (Redis) are open: the vault and the report list on the same Redis."""
    settings = app[SETTINGS]
    app[VAULT] = OwnerVault(app[REDIS], settings.redis_prefix, settings.session_ttl_s)
    keep_for = timedelta(days=settings.report_validity_days + settings.report_metadata_retention_days)
    app[REPORT_LIST] = ReportList(app[REDIS], settings.redis_prefix, keep_for)
    yield
