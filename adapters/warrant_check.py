"""The node's :class:`~adapters.server.WarrantVerifier`: checks every query's warrant and logs the decision.

A query is answered only if its warrant (:mod:`consent.warrants`) is signed by a key of the broker's JWKS,
issued by one of the configured broker issuers (``iss``; at least one is required), typed ``jjj-warrant+jwt``,
addressed to this region (``aud``), unexpired (with :data:`DEFAULT_LEEWAY_S` of skew),
never seen before (``jti``), and names exactly the query's subject, edition and window. Anything else raises
:class:`~adapters.server.WarrantRejected` (the server answers ``PERMISSION_DENIED``) with a reason that never
holds the subject identifier.

Storage, in the node's own database (SQLAlchemy, SQLite or PostgreSQL), two tables of its own:

* ``warrant_jtis`` — jti (primary key) and expiry. A warrant is accepted by inserting its jti with
  ``ON CONFLICT DO NOTHING`` in the same transaction as its log row: of two replicas sharing the database, only
  the one whose insert wrote a row accepts. Rows are purged some time after they expire (an expired warrant is
  refused anyway).
* ``warrant_log`` — one row per warrant accepted or refused: time, jti, grant, grantee, purpose, edition,
  outcome, reason, masked subject, request id. Claims of a refused warrant are read unverified (that is what was
  presented), cut to :data:`_FIELD_MAX` characters; the subject shown is the query's own, masked.

The broker's public keys come from a JWKS file or ``http(s)`` URL (:class:`adapters.broker_jwks.BrokerJwks`); a
warrant signed with a kid not in it makes the node re-read the source (rate-limited), so rotation needs no restart.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.broker_jwks import BrokerJwks
from adapters.convert import QueryScope
from adapters.server import WarrantRejected
from adapters.store import normalise_url
from consent.warrants import DEFAULT_LEEWAY_S, UNKNOWN_KEY, Warrant, WarrantInvalid, verify_warrant
from merge.regions import Region

log = logging.getLogger(__name__)

_FIELD_MAX = 64
#: Keep a jti this long after its warrant expired before purging it (longer than any clock skew).
_JTI_GRACE_S = 300
_PURGE_EVERY = 256

warrant_metadata = MetaData()

warrant_jtis = Table(
    "warrant_jtis",
    warrant_metadata,
    Column("jti", String(64), primary_key=True),
    Column("expires_at", BigInteger, nullable=False, index=True, comment="exp, seconds since the epoch"),
)

warrant_log = Table(
    "warrant_log",
    warrant_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("jti", String(_FIELD_MAX), nullable=False),
    Column("grant_id", String(_FIELD_MAX), nullable=False),
    Column("grantee", String(_FIELD_MAX), nullable=False),
    Column("purpose", String(_FIELD_MAX), nullable=False),
    Column("edition", String(_FIELD_MAX), nullable=False),
    Column("outcome", String(10), nullable=False, comment="accepted | refused"),
    Column("reason", Text, nullable=False),
    Column("subject_masked", String(40), nullable=False),
    Column("request_id", String(_FIELD_MAX), nullable=False),
)


@dataclass(frozen=True, slots=True)
class WarrantLogEntry:
    at: datetime
    jti: str
    grant_id: str
    grantee: str
    purpose: str
    edition: str
    outcome: str
    reason: str
    subject_masked: str
    request_id: str


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a refused token, for the log only (never trusted)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _cut(value: object) -> str:
    return value[:_FIELD_MAX] if isinstance(value, str) else ""


class WarrantCheck:
    """Verifies warrants for one region's node and keeps its warrant log; see the module docstring."""

    def __init__(
        self,
        engine: AsyncEngine,
        jwks: BrokerJwks,
        region: Region,
        *,
        issuers: Collection[str],
        leeway_s: int = DEFAULT_LEEWAY_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not issuers:
            raise ValueError("issuers: name at least one broker whose warrants this node accepts (--broker-issuer)")
        self._engine = engine
        self._jwks = jwks
        self._region = region
        self._issuers = tuple(issuers)
        self._leeway_s = leeway_s
        self._clock = clock
        self._accepted = 0
        # SQLite has one writer at a time; concurrent queries of this process queue here rather than in SQLite's
        # busy handler, which sleeps in growing steps (the p99 of a busy node). Other processes sharing the file
        # still meet busy_timeout. PostgreSQL needs no such queue.
        self._write_lock: asyncio.Lock | contextlib.nullcontext[None] = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @classmethod
    async def open(
        cls, db_url: str, region: Region, jwks: BrokerJwks, *, issuers: Collection[str], **options: Any
    ) -> WarrantCheck:
        """Connect to the node's database (the same URL as its record store) and create the tables if missing."""
        if not issuers:
            raise ValueError("issuers: name at least one broker whose warrants this node accepts (--broker-issuer)")
        parsed = make_url(normalise_url(db_url))
        engine = create_async_engine(parsed)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(warrant_metadata.create_all)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, jwks, region, issuers=issuers, **options)

    async def close(self) -> None:
        await self._engine.dispose()

    async def verify(self, warrant: bytes, scope: QueryScope) -> None:
        """Return if ``warrant`` authorises ``scope``; else log the refusal and raise :class:`WarrantRejected`."""
        now = self._clock()
        token = warrant.decode("ascii", errors="replace")
        try:
            checked = await self._checked(token, now)
            mismatch = checked.mismatch(scope.subject, scope.edition, scope.window_from, scope.window_to)
            if mismatch is not None:
                raise WarrantInvalid(mismatch)
        except WarrantInvalid as exc:
            await self._refuse(_unverified_claims(token), scope, now, str(exc))
            raise WarrantRejected(str(exc)) from None
        if not await self._accept(checked, scope, now):
            await self._refuse(_unverified_claims(token), scope, now, "replayed: jti already used")
            raise WarrantRejected("replayed: jti already used")

    async def _checked(self, token: str, now: datetime) -> Warrant:
        def check() -> Warrant:
            return verify_warrant(
                token, self._jwks.keys, audience=self._region.code, now=now, issuers=self._issuers,
                leeway_s=self._leeway_s,
            )  # fmt: skip

        try:
            return check()
        except WarrantInvalid as exc:
            # Maybe the broker rotated its key since we read its JWKS: re-read (rate-limited) and try once more.
            if str(exc) != UNKNOWN_KEY or not await self._jwks.refresh():
                raise
            return check()

    def _insert_jti(self) -> Any:
        dialect_insert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        return dialect_insert(warrant_jtis).on_conflict_do_nothing(index_elements=["jti"])

    async def _accept(self, warrant: Warrant, scope: QueryScope, now: datetime) -> bool:
        """Record the jti and the acceptance in one transaction; False if the jti was already recorded."""
        async with self._write_lock, self._engine.begin() as conn:
            result = await conn.execute(
                self._insert_jti(), {"jti": warrant.jti, "expires_at": int(warrant.expires_at.timestamp())}
            )
            if result.rowcount != 1:
                return False
            await conn.execute(insert(warrant_log), self._row(now, scope, "accepted", "", warrant_claims(warrant)))
            self._accepted += 1
            if self._accepted % _PURGE_EVERY == 0:
                cutoff = int(now.timestamp()) - _JTI_GRACE_S
                await conn.execute(delete(warrant_jtis).where(warrant_jtis.c.expires_at < cutoff))
        log.info("warrant accepted jti=%s grant=%s request=%s", warrant.jti, warrant.grant_id, scope.request_id)
        return True

    async def _refuse(self, claims: dict[str, Any], scope: QueryScope, now: datetime, reason: str) -> None:
        async with self._write_lock, self._engine.begin() as conn:
            await conn.execute(insert(warrant_log), self._row(now, scope, "refused", reason, claims))
        log.warning(
            "warrant refused jti=%s request=%s reason=%s", _cut(claims.get("jti")) or "-", scope.request_id, reason
        )

    @staticmethod
    def _row(now: datetime, scope: QueryScope, outcome: str, reason: str, claims: dict[str, Any]) -> dict[str, Any]:
        return {
            "at": now,
            "jti": _cut(claims.get("jti")),
            "grant_id": _cut(claims.get("grant")),
            "grantee": _cut(claims.get("grantee")),
            "purpose": _cut(claims.get("purpose")),
            "edition": _cut(claims.get("edition")),
            "outcome": outcome,
            "reason": reason,
            "subject_masked": scope.subject.masked,
            "request_id": scope.request_id[:_FIELD_MAX],
        }

    async def log_entries(self, limit: int = 100) -> list[WarrantLogEntry]:
        """The newest ``limit`` log rows, newest first."""
        query = select(warrant_log).order_by(warrant_log.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            WarrantLogEntry(**{k: v for k, v in row.items() if k != "id"} | {"at": _utc(row["at"])}) for row in rows
        ]


def warrant_claims(warrant: Warrant) -> dict[str, Any]:
    """The loggable claims of a checked warrant (no subject identifier)."""
    return {
        "jti": warrant.jti,
        "grant": warrant.grant_id,
        "grantee": warrant.grantee,
        "purpose": warrant.purpose,
        "edition": warrant.edition.value,
    }


def _utc(value: datetime) -> datetime:
    # SQLite keeps no offset; every value was written in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Replicas (and the record store's writers) share the file: wait for a writer instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL (as adapters.store sets it) + synchronous=NORMAL: a commit appends to the WAL without an fsync, so a
    # node is no longer capped by the disk at a few dozen queries a second. Commits stay atomic and the file
    # never corrupts; a power cut may lose the newest commits (those warrants expire within 60 s anyway).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
