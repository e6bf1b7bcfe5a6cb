"""The objections context's services: one ticket client per region, the Redis ticket index, the service."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from adapters.ticket_client import TicketClient
from broker.objections.service import ObjectionService
from broker.objections.store import TicketIndex
from broker.reports.appkeys import SNAPSHOTS
from broker.web.appkeys import KEYRING, REDIS, SETTINGS
from merge.regions import REGION_ORDER

OBJECTIONS = web.AppKey("objections", ObjectionService)

#: How long the broker remembers a subject's tickets (ids, status, dates) after the last change.
TICKETS_TTL_S = 2 * 365 * 86400


async def objections_ctx(app: web.Application) -> AsyncIterator[None]:
    """Opens the ticket channels (after the services context: it needs the key ring, Redis, snapshots)."""
    settings = app[SETTINGS]
    tls = settings.node_tls()
    clients = {
        region: TicketClient(region, settings.node_target(region), tls=tls, insecure=tls is None)
        for region in REGION_ORDER
    }
    secret = settings.subject_key_secret.get_secret_value().encode()
    index = TicketIndex(app[REDIS], settings.redis_prefix, secret, ttl_s=TICKETS_TTL_S)
    app[OBJECTIONS] = ObjectionService(clients, index, app[SNAPSHOTS], app[KEYRING], issuer=settings.warrants_issuer)
    try:
        yield
    finally:
        for client in clients.values():
            await client.close()
