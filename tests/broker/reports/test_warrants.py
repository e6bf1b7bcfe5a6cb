"""Warrants end to end: the real broker signs one per region, the real nodes (gRPC, port 0) check them.

A broker whose keys the nodes do not trust gets every region ``refused`` — never a clean "no record" — and
every report request, answered or not, lands in the audit log with the jtis of its warrants.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from broker.app import create_app
from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action, AuditEntry, stream_rows
from broker.audit.verify import verify_chain
from broker.keys import init_keys
from broker.reports.appkeys import REPORT_STORE
from broker.web.appkeys import KEYRING
from merge.identifiers import parse_subject
from merge.regions import REGION_ORDER, Region
from tests.broker.conftest import ENTERPRISE, PERSON, Nodes, settings_for, sign_in

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

GOOD = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


async def report(client: TestClient, body: dict[str, Any] = GOOD) -> dict[str, Any]:  # type: ignore[type-arg]
    """The subject's own report, signed in as the subject."""
    csrf = await sign_in(client, body["subject"])
    response = await client.post("/v1/reports", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = json.loads(await response.read())
    return answer


async def report_entries(client: TestClient, subject: str) -> list[AuditEntry]:  # type: ignore[type-arg]
    app = client.app
    entries = await app[AUDIT].entries_for_subject(app[REPORT_STORE].subject_key(parse_subject(subject)))
    return [entry for entry in entries if entry.action == Action.REPORT_ISSUE]


async def test_each_region_accepts_its_own_warrant_and_logs_it(
    broker_factory: Factory, nodes: Nodes, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    answer = await report(client)
    assert answer["complete"] is True
    assert {r["status"] for r in answer["regions"]} == {"answered"}

    app = client.app
    [entry] = await report_entries(client, ENTERPRISE)
    assert (entry.action, entry.outcome, entry.subject) == ("report.issue", "issued", ENTERPRISE)
    assert entry.detail["report_no"] == answer["report_no"]
    assert entry.detail["regions"] == "110000:answered,120000:answered,130000:answered"
    jtis = dict(item.split(":") for item in entry.detail["warrants"].split(","))
    assert sorted(jtis) == ["110000", "120000", "130000"]
    assert len(set(jtis.values())) == 3  # one warrant per region, never shared

    for region in REGION_ORDER:
        [logged] = await nodes.verifiers[region].log_entries()
        assert (logged.outcome, logged.jti, logged.edition, logged.purpose) == (
            "accepted", jtis[region.code], "standard", "bidding",
        )  # fmt: skip
        assert logged.grant_id == "self"
        assert logged.request_id == entry.request_id
    result = await verify_chain(redis_client, redis_prefix, app[KEYRING].verification_keys())
    assert result.ok, result.problems


async def test_a_broker_the_nodes_do_not_trust_gets_every_region_refused(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path
) -> None:
    # Same kid layout, different keys: what a forger (or a misconfigured broker) would sign with.
    init_keys(tmp_path / "untrusted-keys")
    client = await broker_factory(keys_dir=tmp_path / "untrusted-keys")
    answer = await report(client)
    assert answer["complete"] is False
    assert {r["code"]: r["status"] for r in answer["regions"]} == {r.code: "refused" for r in Region}
    states = {cell["state"] for row in answer["matrix"] for cell in row["cells"].values()}
    assert states == {"not_answered"}  # never "no record" without an answer
    assert answer["summary"]["total_records"] == 0

    for region in REGION_ORDER:
        [logged] = await nodes.verifiers[region].log_entries()
        assert logged.outcome == "refused"
        assert logged.reason in ("signed with an unknown key", "bad signature")
    [entry] = await report_entries(client, ENTERPRISE)
    assert entry.outcome == "issued_incomplete"
    assert entry.detail["regions"] == "110000:refused,120000:refused,130000:refused"


class FarFuture:
    """A clock in a year the working-day calendar does not know, so the window cannot be computed."""

    def now(self) -> datetime:
        return datetime(2099, 6, 1, 2, 0, tzinfo=UTC)


async def test_a_failed_request_is_audited_too_and_never_with_a_resident_id(
    aiohttp_client: Any, nodes: Nodes, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    settings = settings_for(nodes, redis_prefix, window_lag_working_days=7)
    client = await aiohttp_client(create_app(settings, clock=FarFuture()))
    csrf = await sign_in(client, PERSON)
    body = {**GOOD, "subject": PERSON, "edition": "person"}
    response = await client.post("/v1/reports", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status == 503
    app = client.app
    [entry] = await report_entries(client, PERSON)
    assert (entry.action, entry.outcome) == ("report.issue", "failed:calendar_unavailable")
    assert entry.subject == "110105********1239"
    raw = b"".join(fields[b"entry"] for _, fields in stream_rows(await redis_client.xrange(app[AUDIT].stream_key)))
    assert PERSON.encode() not in raw
    for region in REGION_ORDER:
        assert await nodes.verifiers[region].log_entries() == []  # nothing was asked
