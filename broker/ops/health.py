"""``GET /healthz``: the broker, its store, each region's gRPC health service, the PDF worker pool and the
working-day calendar."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

from aiohttp import web

from broker.calendar import check_calendar
from broker.clock import CST
from broker.pdf.pool import PoolState
from broker.reports.appkeys import FETCHERS, PDF_POOL, REPORT_STORE
from broker.web.appkeys import CALENDAR, CLOCK, SETTINGS
from consent.errors import ConsentStoreUnavailable
from merge.working_days import package_version, package_years

_HEALTH_TIMEOUT_S = 1.0


async def live(request: web.Request) -> web.Response:
    """``GET /healthz/live``: the process answers (a liveness probe restarts it only when this fails)."""
    return web.json_response({"status": "live"}, headers={"Cache-Control": "no-store"})


async def ready(request: web.Request) -> web.Response:
    """``GET /healthz/ready``: 200 when this replica should get traffic, 503 otherwise.

    Ready means the store answers, the PDF workers are warm and the calendar covers what a report needs now. A
    region being down does not make a replica unready: every replica sees the same region, and the report says so
    honestly (taking replicas out of service would only turn an incomplete report into none)."""
    reasons = []
    try:
        await request.app[REPORT_STORE].ping()
    except ConsentStoreUnavailable:
        reasons.append("store unavailable")
    pdf = _pdf(request.app)
    if pdf["state"] in (PoolState.WARMING, PoolState.FAILED):
        reasons.append(f"pdf workers {pdf['state']}")
    if calendar_health(request.app)["status"] == "missing":
        reasons.append("working-day calendar missing for a year needed now")
    body = {"status": "ready" if not reasons else "not_ready", "reasons": reasons}
    return web.json_response(body, status=200 if not reasons else 503, headers={"Cache-Control": "no-store"})


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
    calendar = calendar_health(request.app)
    # The broker itself is up whenever it answers; "degraded" tells operators a report would be incomplete
    # (a region down) or refused (store down, or no calendar for a year the window lag needs now), or have no PDF
    # (its workers failed to start); "starting" that the PDF workers are still warming. A calendar missing only for
    # the coming year is a warning: reports are fine until January, and a readiness probe that failed in December
    # would take every replica out of service for a file still to be written.
    healthy = all(s == "SERVING" for s in statuses) and store == "ok" and calendar["status"] != "missing"
    if not healthy or pdf["state"] == PoolState.FAILED:
        overall = "degraded"
    elif pdf["state"] == PoolState.WARMING:
        overall = "starting"
    else:
        overall = "ok"
    warnings = [calendar["message"]] if calendar["status"] == "warning" else []
    body = {
        "status": overall,
        "store": store,
        "regions": regions,
        "pdf": pdf,
        "calendar": calendar,
        "warnings": warnings,
    }
    return web.json_response(body, dumps=partial(json.dumps, ensure_ascii=False))


def calendar_health(app: web.Application) -> dict[str, object]:
    """The calendar's entry: ``ok``, ``warning`` (from 1 December, the coming year missing), ``missing`` (a year
    needed now), or ``not_used`` (no lag in working days is configured, so no report ever asks the calendar)."""
    calendar = app[CALENDAR]
    lag = app[SETTINGS].window_lag_working_days
    check = check_calendar(calendar, app[CLOCK].now().astimezone(CST).date())
    known = package_years()
    if lag == 0:
        status = "not_used"
    elif check.blocking:
        status = "missing"
    else:
        status = "warning" if check.upcoming else "ok"
    return {
        "status": status,
        "lag_working_days": lag,
        "package": f"chinese_calendar {package_version()}",
        "package_years": [known.start, known.stop - 1],
        # Years only: the files' paths are the operator's business, and /healthz answers anyone.
        "schedule_years": [s.year for s in calendar.schedules],
        "due": list(check.due),
        "missing": [*check.blocking, *check.upcoming],
        "message": check.message() if lag else "",
    }


def _pdf(app: web.Application) -> dict[str, Any]:
    pool = app.get(PDF_POOL)
    if pool is None:
        return {"state": "unavailable"}
    answer: dict[str, Any] = {"state": pool.state.value, "workers": pool.workers}
    if pool.error:
        answer["error"] = pool.error
    return answer
