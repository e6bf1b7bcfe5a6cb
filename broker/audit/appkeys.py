"""Typed application key of the audit log: ``await request.app[AUDIT].append(...)``."""

from __future__ import annotations

from aiohttp import web

from broker.audit.log import AuditLog

AUDIT = web.AppKey("audit", AuditLog)
