"""The node's :class:`~adapters.server.WarrantVerifier`: checks every query's warrant and logs the decision.

A query is answered only if its warrant (:mod:`consent.warrants`) is signed by a key of the broker's JWKS,
issued by one of the configured broker issuers (``iss``; at least one is required), typed ``jjj-warrant+jwt``,
addressed to this region (``aud``), unexpired (with :data:`DEFAULT_LEEWAY_S` of skew),
never seen before (``jti``), and names exactly the query's subject, edition and window. Anything else raises
:class:`~adapters.server.WarrantRejected` (the server answers ``PERMISSION_DENIED``) with a reason that never
holds the subject identifier.

Storage, in the node's own database (SQLite or PostgreSQL), one table of its own, ``warrant_log``: one row per
warrant accepted or refused — time, jti, grant, grantee, purpose, edition, outcome, reason, masked subject,
request id. Claims of a refused warrant are read unverified (that is what was presented), cut to
:data:`_FIELD_MAX` characters; the subject shown is the query's own, masked.

Replay protection is the log itself: a unique index on the jti of *accepted* rows. A warrant is accepted by
inserting its "accepted" row with ``ON CONFLICT DO NOTHING``: one statement, so one atomic transaction and one
round trip, and of any number of replicas sharing the database only the one whose insert wrote the row accepts —
once, ever (a jti is never purged). The loser logs a "replayed" refusal. (Until 2026-12 the jti went into a table
of its own, ``warrant_jtis``, in a transaction with the log row: four statements. A database keeps that table,
unused; replicas of both versions sharing a database still accept a jti at most once, because the old version's
log insert meets the same unique index and rolls its transaction back.)

Writes go through the raw driver (:mod:`adapters.raw_sql`; on SQLite one connection, the file's one writer);
tables are made and the log is read through SQLAlchemy.

The broker's public keys come from a JWKS file or ``http(s)`` URL (:class:`adapters.broker_jwks.BrokerJwks`); a
warrant signed with a kid not in it makes the node re-read the source (rate-limited), so rotation needs no restart.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    event,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.broker_jwks import BrokerJwks
from adapters.convert import QueryScope
from adapters.raw_sql import DEFAULT_POOL_SIZE, RawDb, RawStatement, lock_schema, open_raw_db, sqlite_pragmas
from adapters.server import WarrantRejected
from adapters.store import normalise_url
from consent.warrants import DEFAULT_LEEWAY_S, Warrant, WarrantInvalid, verify_warrant
from merge.regions import Region

log = logging.getLogger(__name__)

_FIELD_MAX = 64
_ACCEPTED = "accepted"

warrant_metadata = MetaData()

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
_ACCEPTED_ONLY = warrant_log.c.outcome == literal_column(f"'{_ACCEPTED}'")
#: Replay protection: a jti is accepted at most once (see the module docstring).
accepted_jti = Index(
    "uq_warrant_log_accepted_jti", warrant_log.c.jti, unique=True, sqlite_where=_ACCEPTED_ONLY,
    postgresql_where=_ACCEPTED_ONLY,
)  # fmt: skip
_LOG_COLUMNS = tuple(c.name for c in warrant_log.columns if c.name != "id")


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
        raw: RawDb,
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
        self._raw = raw
        self._jwks = jwks
        self._region = region
        self._issuers = tuple(issuers)
        self._leeway_s = leeway_s
        self._clock = clock
        self._accept_row, self._log_row = _statements(raw.dialect)

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
            event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        raw: RawDb | None = None
        try:
            async with engine.begin() as conn:
                await lock_schema(conn)
                await conn.run_sync(warrant_metadata.create_all)
                # A log made before replay protection moved into it has the table but not the index.
                await conn.run_sync(lambda sync: accepted_jti.create(sync, checkfirst=True))
            # SQLite has one writer at a time: one connection queues this process's writes in order, rather than
            # in SQLite's busy handler, which sleeps in growing steps (other processes still meet busy_timeout).
            raw = await open_raw_db(parsed, size=1 if engine.dialect.name == "sqlite" else DEFAULT_POOL_SIZE)
            return cls(engine, raw, jwks, region, issuers=issuers, **options)
        except BaseException:
            if raw is not None:
                await raw.close()
            await engine.dispose()
            raise

    async def close(self) -> None:
        await self._raw.close()
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
        return await self._jwks.verified(
            lambda keys: verify_warrant(
                token, keys, audience=self._region.code, now=now, issuers=self._issuers, leeway_s=self._leeway_s
            )
        )

    async def _accept(self, warrant: Warrant, scope: QueryScope, now: datetime) -> bool:
        """Log the acceptance, which records the jti; False if the jti was already accepted (nothing written)."""
        row = self._row(now, scope, _ACCEPTED, "", warrant_claims(warrant))
        if not await self._raw.fetch(self._accept_row, row):
            return False
        log.info("warrant accepted jti=%s grant=%s request=%s", warrant.jti, warrant.grant_id, scope.request_id)
        return True

    async def _refuse(self, claims: dict[str, Any], scope: QueryScope, now: datetime, reason: str) -> None:
        await self._raw.fetch(self._log_row, self._row(now, scope, "refused", reason, claims))
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


def _statements(dialect: str) -> tuple[RawStatement, RawStatement]:
    """(accept: insert an accepted row unless its jti was accepted before, returning its id; log: insert a row)."""
    values: dict[str, Any] = {name: bindparam(name) for name in _LOG_COLUMNS}
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    accept = (
        dialect_insert(warrant_log)
        .values(values)
        .on_conflict_do_nothing(index_elements=[warrant_log.c.jti], index_where=_ACCEPTED_ONLY)
        .returning(warrant_log.c.id)
    )
    return RawStatement.compile(accept, dialect), RawStatement.compile(insert(warrant_log).values(values), dialect)
