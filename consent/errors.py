"""The consent layer's errors: one hierarchy, and the one place a Redis failure is translated.

Every error here knows a short machine ``code`` and, where a request field is at fault, its ``field``; none
knows HTTP. The broker's error middleware maps these classes to HTTP statuses through one table
(:mod:`broker.web.middleware`), so no call site has to remember a wrapper.

:func:`store_errors` turns any ``redis.RedisError`` into :class:`ConsentStoreUnavailable`: the broker's stores
(grants, sessions, accounts, snapshots, the audit log) all use it, so "the store is down" is one error with one
meaning everywhere — refuse (invariant 3, fail closed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

from redis.exceptions import RedisClusterException, RedisError


class ConsentError(Exception):
    """Base of the consent layer's errors; ``message`` is safe to show (no record content, no full ID)."""

    code: ClassVar[str] = "consent_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConsentStoreUnavailable(ConsentError):
    """Redis could not be reached or failed; the caller must refuse (invariant 3)."""

    code = "consent_store_unavailable"


class GrantNotStored(ConsentError):
    """Creating the grant was refused before anything was written (a key collision or a key of the wrong type)."""

    code = "conflict"


class GrantNotFound(ConsentError, LookupError):
    """No such grant for this subject (another subject's grant is reported the same way)."""

    code = "not_found"


class GrantConflict(ConsentError, ValueError):
    """The change does not apply to the grant's current status (e.g. resuming a revoked grant)."""

    code = "conflict"


class GrantMismatch(ConsentError):
    """A report request falls outside its grant; ``field`` names the request field."""

    code = "consent_required"


@asynccontextmanager
async def store_errors(action: str) -> AsyncIterator[None]:
    """Run a store operation; a Redis failure becomes :class:`ConsentStoreUnavailable` naming ``action``.

    ``RedisClusterException`` too: redis-py's cluster client raises it (not a ``RedisError``) when it cannot reach
    the cluster or map a slot."""
    try:
        yield
    except (RedisError, RedisClusterException) as exc:
        raise ConsentStoreUnavailable(
            f"the consent store is unreachable ({type(exc).__name__}); {action} refused"
        ) from None
