"""The node's check of ticket warrants (:mod:`consent.ticket_warrants`): signed by the broker's JWKS, by an accepted
issuer, for this region, unexpired, for exactly this subject, record, purpose and content digest, and never seen
before — the jti goes into ``ticket_warrant_jtis`` (primary key) in its own statement, so one jti is accepted once
by any number of replicas sharing the database. Refusals raise :class:`~adapters.server.WarrantRejected`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.broker_jwks import BrokerJwks
from adapters.server import WarrantRejected
from adapters.ticket_schema import ticket_warrant_jtis
from consent.ticket_warrants import TicketWarrant, verify_ticket_warrant
from consent.warrants import WarrantInvalid
from merge.identifiers import Subject
from merge.regions import Region

log = logging.getLogger(__name__)


class TicketWarrantCheck:
    def __init__(
        self,
        engine: AsyncEngine,
        jwks: BrokerJwks,
        region: Region,
        *,
        issuers: Collection[str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not issuers:
            raise ValueError("issuers: name at least one broker")
        self._engine = engine
        self._jwks = jwks
        self._region = region
        self._issuers = tuple(issuers)
        self._clock = clock

    async def verify(self, token: bytes, subject: Subject, *, purpose: str, record_id: str, body: str) -> None:
        now = self._clock()
        try:
            warrant = await self._checked(token.decode("ascii", errors="replace"), now)
            if warrant.subject != subject:
                raise WarrantInvalid("subject does not match the warrant")
            if warrant.purpose != purpose:
                raise WarrantInvalid("purpose does not match the warrant")
            if warrant.record_id != record_id:
                raise WarrantInvalid("record does not match the warrant")
            if warrant.body != body:
                raise WarrantInvalid("content does not match the warrant")
        except WarrantInvalid as exc:
            log.warning("ticket warrant refused: %s", exc)
            raise WarrantRejected(str(exc)) from None
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(ticket_warrant_jtis).values(jti=warrant.jti[:64], at=now))
        except IntegrityError:
            log.warning("ticket warrant refused: replayed jti=%s", warrant.jti[:64])
            raise WarrantRejected("replayed: jti already used") from None

    async def _checked(self, token: str, now: datetime) -> TicketWarrant:
        return await self._jwks.verified(
            lambda keys: verify_ticket_warrant(token, keys, audience=self._region.code, now=now, issuers=self._issuers)
        )
