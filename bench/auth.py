"""How the benchmark authenticates its report requests — the one place to change when sign-in changes.

The load is the subject asking for its own report: a signed-in session (cookie + CSRF header), made directly in
the broker's Redis with the consent package's own stores, exactly what ``POST /signin`` would leave there
(without paying scrypt per run more than once). ``broker.reports.authority.report_authority`` accepts it as a
self-grant.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from broker.settings import Settings
from broker.web.sessions import CSRF_HEADER, SESSION_COOKIE
from consent.accounts import AccountStore
from consent.sessions import SessionStore
from merge.identifiers import parse_subject

_PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway account in the benchmark's own Redis prefix


async def report_headers(settings: Settings, subject: str, name: str) -> dict[str, str]:
    """HTTP headers that let ``POST /v1/reports`` for ``subject`` through (the subject signed in)."""
    redis = aioredis.from_url(settings.redis_url.get_secret_value())
    try:
        secret = settings.subject_key_secret.get_secret_value().encode()
        account = await AccountStore(redis, settings.redis_prefix, secret).add(parse_subject(subject), name, _PASSWORD)
        session_id, session = await SessionStore(redis, settings.redis_prefix, settings.session_ttl_s).create(account)
    finally:
        await redis.aclose()
    return {"Cookie": f"{SESSION_COOKIE}={session_id}", CSRF_HEADER: session.csrf_token}
