"""POST /v1/reports end to end: real nodes over gRPC, the real app, the real Redis."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from adapters.pki import PkiLayout
from broker.app import create_app
from merge.regions import Region
from tests.broker.conftest import (
    CLEAN_ENTERPRISE,
    CLEAN_ENTERPRISE_NAME,
    ENTERPRISE,
    ENTERPRISE_NAME,
    PERSON,
    Nodes,
    settings_for,
    sign_in,
    start_nodes,
    stop_nodes,
)

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

GOOD = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


async def post(client: TestClient, body: object) -> tuple[int, Any, Any]:  # type: ignore[type-arg]
    """Signed in as the body's subject (its own report), as the consent rules require."""
    subject = body.get("subject") if isinstance(body, dict) else None
    csrf = await sign_in(client, subject if isinstance(subject, str) and len(subject) == 18 else ENTERPRISE)
    response = await client.post("/v1/reports", json=body, headers={"X-CSRF-Token": csrf})
    raw = await response.read()
    return response.status, json.loads(raw), response


def cells(report: dict[str, Any], region: Region) -> dict[str, dict[str, Any]]:
    return {row["domain"]: row["cells"][region.code] for row in report["matrix"]}


async def test_three_region_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client)
    response = await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    raw = await response.read()
    report = json.loads(raw)

    assert re.fullmatch(r"JJJ-\d{8}-\d{6}", report["report_no"])
    assert report["complete"] is True
    assert [r["code"] for r in report["regions"]] == ["110000", "120000", "130000"]
    for region in report["regions"]:
        assert region["status"] == "answered"
        assert region["latency_ms"] >= 0
        assert region["data_as_of"]
        assert region["name"] in {"北京市", "天津市", "河北省"}
    # Two live ordinary penalties per region; the simple-procedure one and the warning-only one stay at the node.
    assert report["summary"]["total_records"] == 6
    assert cells(report, Region.TIANJIN)["market_regulation"] == {"state": "records", "count": 2}
    assert cells(report, Region.TIANJIN)["taxation"]["state"] == "no_record"
    # Hebei covers 32 domains; the rest are "not covered", never "no record".
    assert cells(report, Region.HEBEI)["postal"]["state"] == "not_covered"
    # The body is the canonical JSON, and the digest header is its SHA-256.
    assert response.headers["X-Report-Digest"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    # Each region's part is its signed answer to exactly this query: its warrant, the request, the window.
    assert report["subject"]["name"] == ENTERPRISE_NAME  # as Tianjin registered it
    for region in report["regions"]:
        document = region["answer"]["document"]
        assert document["region_code"] == region["code"]
        assert document["warrant_id"]  # the jti of the warrant the broker signed for this region
        assert (document["window"]["from"], document["window"]["to"]) == (
            report["window"]["from"], report["window"]["to"],
        )  # fmt: skip
        assert f"region {region['code']} answers" in region["signed_by"]
    assert len({r["answer"]["document"]["warrant_id"] for r in report["regions"]}) == 3


async def test_administrative_edition_keeps_warnings(broker_factory: Factory) -> None:
    client = await broker_factory()
    status, report, _ = await post(client, {**GOOD, "edition": "administrative"})
    assert status == 200
    assert report["summary"]["total_records"] == 9
    assert sum(1 for r in report["records"] if r["minor"]) == 3


async def test_clean_subject_says_no_record_only_where_covered(broker_factory: Factory) -> None:
    client = await broker_factory()
    status, report, _ = await post(client, {**GOOD, "subject": CLEAN_ENTERPRISE})
    assert status == 200
    assert report["complete"] is True
    assert report["records"] == []
    # No record names it, but Beijing registered it: a clean enterprise's report names it.
    assert report["subject"]["name"] == CLEAN_ENTERPRISE_NAME
    states = {region: {c["state"] for c in cells(report, region).values()} for region in Region}
    assert states[Region.BEIJING] == {"no_record"}
    assert states[Region.HEBEI] == {"no_record", "not_covered"}


async def test_stopped_node_is_unavailable_never_clean(broker_factory: Factory, nodes: Nodes) -> None:
    client = await broker_factory()
    await nodes.stop(Region.HEBEI)
    csrf = await sign_in(client, ENTERPRISE)
    started = time.perf_counter()
    response = await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf})
    elapsed = time.perf_counter() - started
    status, report = response.status, json.loads(await response.read())
    assert status == 200
    assert elapsed < 3.0 + 1.0  # within the request deadline (3 s), with a margin for a busy CI
    hebei = next(r for r in report["regions"] if r["code"] == "130000")
    assert hebei["status"] == "unavailable"
    assert report["complete"] is False
    assert report["certificate_usable"] is False
    assert {c["state"] for c in cells(report, Region.HEBEI).values()} == {"not_answered"}
    assert "河北省" in report["notice"]
    assert report["summary"]["total_records"] == 4


async def test_a_node_signing_with_another_regions_key_is_refused_never_clean(
    pki: PkiLayout, tmp_path: Path, aiohttp_client: Any, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    # Hebei's node answers with a well-formed document, signed with Beijing's answer key.
    forged = await start_nodes(pki, tmp_path, signing_region={Region.HEBEI: Region.BEIJING})
    try:
        client = await aiohttp_client(create_app(settings_for(forged, redis_prefix)))
        status, report, _ = await post(client, GOOD)
        assert status == 200
        hebei = report["regions"][2]
        assert (hebei["status"], hebei["answer"]) == ("refused", None)
        assert "certificate names region 110000, expected 130000" in hebei["error"]
        assert report["complete"] is False
        assert {c["state"] for c in cells(report, Region.HEBEI).values()} == {"not_answered"}
        assert report["summary"]["by_region"]["130000"] == 0
    finally:
        await stop_nodes(forged)


async def test_slow_node_times_out_within_the_deadline(
    pki: PkiLayout, tmp_path: Path, aiohttp_client: Any, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    slow = await start_nodes(pki, tmp_path, latency_ms={Region.TIANJIN: 5000})
    try:
        client = await aiohttp_client(create_app(settings_for(slow, redis_prefix, request_deadline_s=0.8)))
        csrf = await sign_in(client, ENTERPRISE)  # outside the timed part: password hashing is slow on purpose
        started = time.perf_counter()
        response = await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf})
        elapsed = time.perf_counter() - started
        status, report = response.status, json.loads(await response.read())
        assert status == 200
        # The Tianjin node would answer after 5 s; the report comes at the 0.8 s deadline (margin for a busy CI).
        assert elapsed < 0.8 + 1.5
        statuses = {r["code"]: r["status"] for r in report["regions"]}
        assert statuses == {"110000": "answered", "120000": "timed_out", "130000": "answered"}
        assert report["complete"] is False
        assert {c["state"] for c in cells(report, Region.TIANJIN).values()} == {"not_answered"}
    finally:
        await stop_nodes(slow)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "subject": ENTERPRISE[:-1] + "0"}, "subject"),
        ({**GOOD, "subject": PERSON[:-1] + "8"}, "subject"),
        ({**GOOD, "edition": "deluxe"}, "edition"),
        ({**GOOD, "window_years": 4}, "window_years"),
        ({**GOOD, "purpose": "curiosity"}, "purpose"),
        ({**GOOD, "colour": "red"}, "colour"),
        ({k: v for k, v in GOOD.items() if k != "subject"}, "subject"),
        ({**GOOD, "edition": "person"}, "edition"),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str, body: dict[str, Any], field: str
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client)
    before = {k: await redis_client.dump(k) async for k in redis_client.scan_iter(match=f"{redis_prefix}*")}
    response = await client.post("/v1/reports", json=body, headers={"X-CSRF-Token": csrf})
    status, answer = response.status, await response.json()
    assert status == 422
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"]["field"] == field
    assert field in answer["error"]["message"]
    after = {k: await redis_client.dump(k) async for k in redis_client.scan_iter(match=f"{redis_prefix}*")}
    assert after == before


async def test_malformed_json_is_400(broker_factory: Factory) -> None:
    client = await broker_factory()
    response = await client.post("/v1/reports", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_body"


async def test_oversized_body_is_413(broker_factory: Factory) -> None:
    client = await broker_factory(max_body_bytes=2048)
    response = await client.post("/v1/reports", json={**GOOD, "purpose": "x" * 4096})
    assert response.status == 413


async def test_without_sign_in_or_token_is_refused(broker_factory: Factory) -> None:
    client = await broker_factory()
    response = await client.post("/v1/reports", json=GOOD)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"


async def test_signed_in_subject_gets_only_its_own_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, CLEAN_ENTERPRISE)
    response = await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf})
    assert response.status == 403
    assert (await response.json())["error"]["field"] == "subject"


async def test_session_without_csrf_header_is_refused(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    response = await client.post("/v1/reports", json=GOOD)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "csrf_failed"


async def test_unreachable_store_fails_closed(broker_factory: Factory) -> None:
    client = await broker_factory(redis_url="redis://127.0.0.1:1/0")
    response = await client.post("/v1/reports", json=GOOD, cookies={"jjj_session": "x" * 43})
    status, answer = response.status, await response.json()
    assert status == 503
    assert answer["error"]["code"] == "consent_store_unavailable"


async def test_person_report_never_shows_the_full_resident_id(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, PERSON)
    response = await client.post(
        "/v1/reports", json={**GOOD, "subject": PERSON, "edition": "person"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 200
    raw = await response.read()
    assert PERSON.encode() not in raw
    report = json.loads(raw)
    assert report["subject"]["identifier"] == "110105********1239"
    stored = b""
    async for key in redis_client.scan_iter(match=f"{redis_prefix}*"):
        stored += key
        if await redis_client.type(key) == b"stream":
            stored += repr(await redis_client.xrange(key)).encode()
    assert stored  # the query was logged …
    assert PERSON.encode() not in stored  # … without the identifier


async def test_each_query_is_logged_for_its_subject(broker_factory: Factory) -> None:
    from broker.reports.appkeys import REPORT_STORE
    from merge.identifiers import parse_subject

    client = await broker_factory()
    _, report, _ = await post(client, GOOD)
    history = await client.app[REPORT_STORE].query_history(parse_subject(ENTERPRISE))
    assert [h["report_no"] for h in history] == [report["report_no"]]
    assert history[0]["purpose"] == "bidding"
