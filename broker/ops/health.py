"""``GET /healthz``: the broker, its store, each region's gRPC health service and the PDF worker pool."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

from aiohttp import web

from broker.pdf.pool import PoolState
from broker.reports.appkeys import FETCHERS, PDF_POOL, REPORT_STORE
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
    pdf = _pdf(request.app)
    all_serving = all(s == "SERVING" for s in statuses)
    # The broker itself is up whenever it answers; "degraded" tells operators a report would be incomplete
    # (a region down), refused (store down) or have no PDF (its workers failed to start); "starting" that the
    # PDF workers are still warming, so a PDF asked now would wait for them (seconds, not the usual fraction).
    if not all_serving or store != "ok" or pdf["state"] == PoolState.FAILED:
        overall = "degraded"
    elif pdf["state"] == PoolState.WARMING:
        overall = "starting"
    else:
        overall = "ok"
    return web.json_response(
        {"status": overall, "store": store, "regions": regions, "pdf": pdf},
        dumps=partial(json.dumps, ensure_ascii=False),
    )


def _pdf(app: web.Application) -> dict[str, Any]:
    pool = app.get(PDF_POOL)
    if pool is None:
        return {"state": "unavailable"}
    answer: dict[str, Any] = {"state": pool.state.value, "workers": pool.workers}
    if pool.error:
        answer["error"] = pool.error
    return answer
