"""Typed application keys of the verification context."""

from __future__ import annotations

from aiohttp import web

from broker.verify.ratelimit import RateLimiter

RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
