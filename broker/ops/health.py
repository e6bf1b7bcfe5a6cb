"""``GET /healthz``: the broker, its store and each region's gRPC health service."""

from __future__ import annotations

import asyncio
import json
from functools import partial

from aiohttp import web

from broker.reports.appkeys import FETCHERS, REPORT_STORE
from consent.errors import ConsentStoreUnavailable

_HEALTH_TIMEOUT_S = 1.0


async def healthz(request: web.Request) -> web.Response:
    fetchers = request.app[FETCHERS]
    statuses = await asyncio.gather(*(f.health(timeout=_HEALTH_TIMEOUT_S) for f in fetchers))
    try:
        await request.app[REPORT_STORE].ping()
        store = "ok"
    except ConsentStoreUnavailable:
        store = "unavailable"
    regions = [
        {"code": f.region.code, "name": f.region.display_name, "region": f.region.value, "health": status}
        for f, status in zip(fetchers, statuses, strict=True)
    ]
    all_serving = all(s == "SERVING" for s in statuses)
    # The broker itself is up whenever it answers; "degraded" tells operators a report would be incomplete
    # (a region down) or refused (store down).
    overall = "ok" if all_serving and store == "ok" else "degraded"
    return web.json_response(
        {"status": overall, "store": store, "regions": regions}, dumps=partial(json.dumps, ensure_ascii=False)
    )
