"""The bare skeleton jjj is measured against: an aiohttp handler making the same three gRPC calls, and no more.

``POST /v1/reports`` (same body as the broker's) asks the three regions at once with
:meth:`adapters.client.AdapterClient.fetch` — the broker's own client, so conversion and stream checks are
included — and answers a small JSON of the regions' latencies. No consent check, no merge, no canonical JSON, no
report signing, no Redis (the client still checks each region's signature and document: that is the fan-out's
own cost, the same for both). ``POST /v1/reports/sequential`` asks the regions one after another instead: the
sequential baseline (a user visiting the three regional sites in turn).

Each call still carries a fresh warrant, because the nodes verify one on every query: without it the nodes
would do less work for the skeleton than for jjj and the comparison would flatter the skeleton.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
from aiohttp import web

from adapters.client import AdapterClient, RegionQuery
from adapters.pki import PkiLayout
from adapters.tls_material import TlsSource, load_broker_tls
from bench.nodes import ISSUER
from broker.keys import load_keyring
from broker.reports.warrants import WarrantIssuer
from consent.authority import SELF_GRANT, QueryAuthority
from merge.answers import RegionAnswer
from merge.editions import Edition
from merge.identifiers import parse_subject
from merge.regions import REGION_ORDER, Region
from merge.window import compute_window

_CLIENTS = web.AppKey("clients", list[AdapterClient])
_WARRANTS = web.AppKey("warrants", WarrantIssuer)
_TIMEOUT_S = 10.0


def create_skeleton_app(targets: dict[Region, str], keys_dir: Path, certs_dir: Path) -> web.Application:
    """The skeleton app for nodes at ``targets`` whose warrants are signed with the keys in ``keys_dir``, over mTLS
    with the broker's certificate in ``certs_dir``."""
    app = web.Application()
    pki = PkiLayout(certs_dir)

    async def clients_ctx(app: web.Application) -> AsyncIterator[None]:
        tls = load_broker_tls(TlsSource(pki.broker_cert, pki.broker_key, pki.ca_cert))
        app[_CLIENTS] = [AdapterClient(region, targets[region], tls=tls) for region in REGION_ORDER]
        app[_WARRANTS] = WarrantIssuer(load_keyring(keys_dir), issuer=ISSUER)
        yield
        for client in app[_CLIENTS]:
            await client.close()

    app.cleanup_ctx.append(clients_ctx)
    app.router.add_post("/v1/reports", _concurrent)
    app.router.add_post("/v1/reports/sequential", _sequential)
    return app


def _queries(request: web.Request, body: dict[str, object]) -> list[tuple[AdapterClient, RegionQuery]]:
    subject = parse_subject(str(body["subject"]))
    edition = Edition(str(body["edition"]))
    now = datetime.now(UTC)
    window_from, window_to = compute_window(now.date(), int(str(body["window_years"])), edition, 0)
    authority = QueryAuthority(subject, SELF_GRANT, "self", "bench", str(body["purpose"]))
    request_id = uuid.uuid4().hex
    out = []
    for client in request.app[_CLIENTS]:
        warrant = request.app[_WARRANTS].issue(
            client.region, authority, edition=edition, window_from=window_from, window_to=window_to, now=now
        )
        query = RegionQuery(subject, edition, window_from, window_to, request_id, warrant.token, warrant.jti)
        out.append((client, query))
    return out


def _answer(answers: list[RegionAnswer]) -> web.Response:
    regions = [{"code": a.region_code, "latency_ms": a.latency_ms, "records": a.record_count} for a in answers]
    return web.Response(body=orjson.dumps({"regions": regions}), content_type="application/json")


async def _concurrent(request: web.Request) -> web.Response:
    queries = _queries(request, await request.json())
    return _answer(list(await asyncio.gather(*(c.fetch(q, timeout=_TIMEOUT_S) for c, q in queries))))


async def _sequential(request: web.Request) -> web.Response:
    queries = _queries(request, await request.json())
    answers = [await c.fetch(q, timeout=_TIMEOUT_S) for c, q in queries]
    return _answer(answers)
