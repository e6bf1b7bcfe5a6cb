"""Verification and downloads over HTTP: real nodes, the real app, the real Redis.

Reports are issued the way a signed-in subject asks for its own: ``POST /v1/reports`` with a session.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from broker.audit.writes import chain_key
from broker.keys import add_signing_key, load_keyring
from broker.pdf.sign import check_pdf_signature_async
from broker.reports.appkeys import PDF_MAKER, SNAPSHOTS
from broker.reports.signing import verify_report
from broker.reports.snapshots import ReportStatus
from broker.web.appkeys import KEYRING, SETTINGS
from merge.regions import Region
from merge.report import Report
from merge.verification_code import lookup_id, new_code
from tests.broker.conftest import ENTERPRISE, PERSON, Nodes, sign_in

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

GOOD = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


@dataclass(frozen=True)
class Issued:
    """A report as ``POST /v1/reports`` returned it: the body and the issuance headers."""

    report: Report
    body: bytes
    digest: str
    code: str
    kid: str
    headers: dict[str, str]


_CSRF: dict[tuple[int, str], str] = {}


async def issue(client: TestClient, body: dict[str, Any] = GOOD) -> Issued:  # type: ignore[type-arg]
    """Issue over HTTP as the subject itself, signed in (once per client and subject)."""
    key = (id(client), body["subject"])
    if key not in _CSRF:
        _CSRF[key] = await sign_in(client, body["subject"])
    response = await client.post("/v1/reports", json=body, headers={"X-CSRF-Token": _CSRF[key]})
    raw = await response.read()
    assert response.status == 200, raw
    headers = dict(response.headers)
    return Issued(
        report=Report.model_validate_json(raw),
        body=raw,
        digest=headers["X-Report-Digest"],
        code=headers["X-Verification-Code"],
        kid=headers["X-Report-JWS-Kid"],
        headers=headers,
    )


async def verify(client: TestClient, code: str) -> tuple[int, dict[str, Any]]:  # type: ignore[type-arg]
    response = await client.post("/v1/verify", json={"code": code})
    return response.status, await response.json()


async def test_issued_report_verifies_as_valid(broker_factory: Factory) -> None:
    client = await broker_factory()
    issued = await issue(client)
    code = issued.code
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}-[0-9A-Z]", code)
    status, answer = await verify(client, code.lower().replace("-", " "))
    assert status == 200
    assert answer["status"] == "valid"
    assert answer["certificate_usable"] is True
    assert answer["complete"] is True
    assert answer["report_no"] == issued.report.report_no
    assert answer["digest"] == issued.digest
    assert answer["edition"] == "standard"
    assert answer["subject"] == ENTERPRISE
    assert answer["kid"] == client.app[KEYRING].active_kid
    assert datetime.fromisoformat(answer["issued_at"]) == issued.report.issued_at
    # The response headers of POST /v1/reports carry the code, the kid and a link to the JWS.
    number = issued.report.report_no
    assert issued.headers["Link"] == f'</v1/reports/{number}/jws?code={code}>; rel="alternate"; type="application/jose"'
    # Verification links are built on the configured public address (the QR code must work from anywhere).
    assert issued.headers["X-Verify-URL"] == f"{client.app[SETTINGS].public_base_url}/verify?code={code}"


async def test_person_subject_is_masked(broker_factory: Factory) -> None:
    client = await broker_factory()
    issued = await issue(client, {**GOOD, "subject": PERSON, "edition": "person", "purpose": "going_abroad"})
    _, answer = await verify(client, issued.code)
    assert answer["subject"] == "110105********1239"


async def test_unknown_and_malformed_codes(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    status, answer = await verify(client, new_code())
    assert status == 200
    assert answer["status"] == "unknown"
    assert answer["certificate_usable"] is False
    assert answer["report_no"] is None

    issued = await issue(client)
    code = issued.code
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    before = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}rl:*")]
    for bad in (typo, "", "ABCD", code + "7"):
        status, answer = await verify(client, bad)
        assert status == 422, bad
        assert answer["error"]["field"] == "code"
    # Refused before any lookup: no attempt was even counted.
    assert [k async for k in redis_client.scan_iter(match=f"{redis_prefix}rl:*")] == before
    response = await client.post("/v1/verify", json={"code": 12})
    assert response.status == 422
    response = await client.post("/v1/verify", data=b"{", headers={"Content-Type": "application/json"})
    assert response.status == 400


async def test_incomplete_report_is_issued_but_not_a_certificate(broker_factory: Factory, nodes: Nodes) -> None:
    client = await broker_factory()
    await nodes.stop(Region.HEBEI)
    issued = await issue(client)
    assert issued.report.complete is False
    _, answer = await verify(client, issued.code)
    assert answer["status"] == "valid"
    assert answer["complete"] is False
    assert answer["certificate_usable"] is False


async def test_revoked_suspended_expired(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    snapshots = client.app[SNAPSHOTS]
    a, b, c = await issue(client), await issue(client), await issue(client)
    assert await snapshots.set_status(a.report.report_no, ReportStatus.SUSPENDED)
    assert await snapshots.set_status(b.report.report_no, ReportStatus.REVOKED)
    await redis_client.delete(chain_key(redis_prefix, f"report:data:{lookup_id(c.code)}"))  # TTL ran out
    for issued, status in ((a, "suspended"), (b, "revoked"), (c, "expired")):
        _, answer = await verify(client, issued.code)
        assert answer["status"] == status
        assert answer["certificate_usable"] is False
        assert answer["digest"] == issued.digest  # still provably issued
    # Downloads: a suspended report's original is still served; revoked and expired ones are gone.
    for issued, http in ((a, 200), (b, 410), (c, 410)):
        response = await client.get(f"/v1/reports/{issued.report.report_no}.json", params={"code": issued.code})
        assert response.status == http


async def test_expired_after_the_validity(broker_factory: Factory) -> None:
    client = await broker_factory(report_validity_days=30)
    issued = await issue(client)
    snapshots = client.app[SNAPSHOTS]
    code = issued.code
    day_29 = issued.report.issued_at + timedelta(days=29)
    day_30 = issued.report.issued_at + timedelta(days=30)
    assert (await snapshots.verify(code, day_29)).status.value == "valid"
    assert (await snapshots.verify(code, day_30)).status.value == "expired"


async def test_json_and_jws_downloads(broker_factory: Factory, nodes: Nodes) -> None:
    client = await broker_factory()
    issued = await issue(client)
    code, number = issued.code, issued.report.report_no
    response = await client.get(f"/v1/reports/{number}.json", params={"code": code})
    assert response.status == 200
    body = await response.read()
    assert body == issued.body
    assert response.headers["X-Report-Digest"] == "sha256:" + hashlib.sha256(body).hexdigest()

    response = await client.get(f"/v1/reports/{number}/jws", params={"code": code})
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/jose"
    token = await response.text()
    # Anyone can check it against the published JWKS, also after a key rotation.
    assert verify_report(token, client.app[KEYRING]).kid == issued.kid
    add_signing_key(nodes.keys_dir)
    assert verify_report(token, load_keyring(nodes.keys_dir)).payload == issued.body
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    assert issued.kid in {key["kid"] for key in jwks["keys"]}
    assert all("d" not in key for key in jwks["keys"])  # public halves only

    # A wrong code and a wrong number look the same: 404.
    for params, path in (({"code": new_code()}, f"{number}.json"), ({"code": code}, "JJJ-20000101-000001.json")):
        response = await client.get(f"/v1/reports/{path}", params=params)
        assert response.status == 404
    response = await client.get(
        f"/v1/reports/{number}.json", params={"code": code[:-1] + "Z" if code[-1] != "Z" else code[:-1] + "Y"}
    )
    assert response.status == 422


async def test_pdf_download_is_signed_stable_and_verifiable(broker_factory: Factory) -> None:
    client = await broker_factory(pdf_workers=1)
    issued = await issue(client)
    assert PDF_MAKER in client.app
    url = f"/v1/reports/{issued.report.report_no}.pdf"
    first = await client.get(url, params={"code": issued.code})
    assert first.status == 200, await first.text()
    pdf = await first.read()
    assert pdf.startswith(b"%PDF")
    # Rendered once, then kept (encrypted): a second download is the very same bytes.
    second = await (await client.get(url, params={"code": issued.code})).read()
    assert second == pdf
    check = await check_pdf_signature_async(pdf, client.app[KEYRING].ca_cert)
    assert check.ok, check

    answer = await (await client.post("/v1/verify", data=_upload(issued.code, pdf, "report.pdf"))).json()
    assert answer["match"] is True
    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01
    answer = await (await client.post("/v1/verify", data=_upload(issued.code, bytes(tampered), "report.pdf"))).json()
    assert answer["match"] is False


def _upload(code: str, data: bytes, name: str = "report.json") -> FormData:
    form = FormData()
    form.add_field("code", code)
    form.add_field("file", data, filename=name, content_type="application/json")
    return form


async def test_upload_exact_json_matches_and_one_byte_changed_does_not(broker_factory: Factory) -> None:
    client = await broker_factory()
    issued = await issue(client)
    code = issued.code
    answer = await (await client.post("/v1/verify", data=_upload(code, issued.body))).json()
    assert answer["status"] == "valid"
    assert answer["match"] is True
    assert answer["upload"] == {"kind": "json", "digest": issued.digest, "match": True, "detail": "identical"}

    pretty = json.dumps(json.loads(issued.body), indent=2, ensure_ascii=False).encode()
    answer = await (await client.post("/v1/verify", data=_upload(code, pretty))).json()
    assert answer["match"] is True
    assert answer["upload"]["detail"] == "same content, reformatted"

    position = issued.body.index(b'"total_records":') + len(b'"total_records":')
    changed = issued.body[:position] + b"7" + issued.body[position + 1 :]
    assert len(changed) == len(issued.body)
    answer = await (await client.post("/v1/verify", data=_upload(code, changed))).json()
    assert answer["match"] is False
    # Another report's JSON under this code does not match either.
    other = await issue(client)
    answer = await (await client.post("/v1/verify", data=_upload(code, other.body))).json()
    assert answer["match"] is False


async def test_upload_too_large_is_413(broker_factory: Factory) -> None:
    client = await broker_factory(verify_upload_max_bytes=4096)
    issued = await issue(client)
    response = await client.post("/v1/verify", data=_upload(issued.code, b" " * 10_000))
    assert response.status == 413
    assert (await response.json())["error"]["field"] == "file"


async def test_rate_limit_per_client(broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str) -> None:
    client = await broker_factory(verify_attempts_per_client=5, verify_window_s=90)
    for _ in range(5):
        status, _ = await verify(client, new_code())
        assert status == 200
    response = await client.post("/v1/verify", json={"code": new_code()})
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 90
    assert (await response.json())["error"]["code"] == "rate_limited"
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}rl:*")]
    assert keys
    for key in keys:
        assert 0 < await redis_client.ttl(key) <= 90
    page = await client.get("/verify", params={"code": new_code()})
    assert page.status == 429
    assert "过于频繁" in await page.text()


async def test_guessing_at_one_report_is_stopped_but_its_holder_is_not(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory(verify_attempts_per_report=3, verify_attempts_per_client=100)
    issued = await issue(client)
    number = issued.report.report_no
    # Guessers, from another address, at one report number: the first wrong codes are 404, then 429.
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as guesser:
        statuses = []
        for _ in range(5):
            async with guesser.get(client.make_url(f"/v1/reports/{number}.json"), params={"code": new_code()}) as r:
                statuses.append(r.status)
                retry_after = r.headers.get("Retry-After")
    assert statuses == [404, 404, 404, 429, 429]
    assert retry_after is not None
    assert int(retry_after) >= 1
    assert await redis_client.ttl(f"{redis_prefix}rl:report:{number}") > 0
    # The holder of the right code is never answered 429 because of the others' wrong guesses.
    response = await client.get(f"/v1/reports/{number}.json", params={"code": issued.code})
    assert response.status == 200


async def test_the_right_code_never_counts_against_its_holder(broker_factory: Factory) -> None:
    client = await broker_factory(verify_attempts_per_client=5, verify_attempts_per_report=5)
    issued = await issue(client)
    for _ in range(12):
        response = await client.get(f"/v1/reports/{issued.report.report_no}.json", params={"code": issued.code})
        assert response.status == 200
        status, body = await verify(client, issued.code)
        assert (status, body["status"]) == (200, "valid")


async def test_limiter_keys_come_from_validated_input_only(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    junk = "x" * 300
    response = await client.get(f"/v1/reports/{junk}.json", params={"code": new_code()})
    assert response.status == 404
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}rl:report:*")]
    assert keys == []


async def test_store_down_is_503(broker_factory: Factory) -> None:
    client = await broker_factory(redis_url="redis://127.0.0.1:1/0")
    status, answer = await verify(client, new_code())
    assert status == 503
    assert answer["error"]["code"] == "consent_store_unavailable"


async def test_verify_page(broker_factory: Factory) -> None:
    client = await broker_factory()
    page = await client.get("/verify")
    assert page.status == 200
    assert "核验码" in await page.text()

    issued = await issue(client)
    code = issued.code
    page = await client.get("/verify", params={"code": code})
    text = await page.text()
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "有效" in text
    assert issued.report.report_no in text
    assert issued.digest in text
    assert "专用信用报告（普通版）" in text

    page = await client.get("/verify", params={"code": code[:-1] + ("0" if code[-1] != "0" else "1")})
    assert page.status == 422
    assert "格式不正确" in await page.text()
    page = await client.get("/verify", params={"code": new_code()})
    assert "未找到" in await page.text()

    page = await client.post("/verify", data=_upload(code, issued.body))
    assert page.status == 200
    assert "文件一致" in await page.text()
    page = await client.post("/verify", data=_upload(code, issued.body + b" x"))
    assert "文件不一致" in await page.text()


@pytest.mark.parametrize("script", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
async def test_verify_page_escapes_input(broker_factory: Factory, script: str) -> None:
    client = await broker_factory()
    page = await client.get("/verify", params={"code": script})
    text = await page.text()
    assert script not in text


def _changed_in_part(body: bytes, region: Region, old: bytes, new: bytes) -> bytes:
    """``body`` with one byte changed inside ``region``'s signed part (``old`` → ``new``, equally long)."""
    # Region lines are sorted by key: "answer" (the part) comes before "code", so look back from the code.
    line_end = body.index(b'"code":"' + region.code.encode())
    part_start = body.rindex(b'"answer":{', 0, line_end)
    position = body.index(old, part_start, line_end)
    assert len(old) == len(new)
    return body[:position] + new + body[position + len(old) :]


async def test_upload_checks_every_region_part_and_names_the_one_changed(broker_factory: Factory) -> None:
    client = await broker_factory()
    issued = await issue(client)
    answer = await (await client.post("/v1/verify", data=_upload(issued.code, issued.body))).json()
    assert answer["regions_verified"] is True
    assert [(r["code"], r["verified"]) for r in answer["regions"]] == [(r.code, True) for r in Region]
    assert all("answers" in r["signed_by"] for r in answer["regions"])

    # One byte inside Hebei's records (its answer as it signed it) changed: Hebei's part fails, and only Hebei's.
    changed = _changed_in_part(issued.body, Region.HEBEI, b"hebei 1", b"hebei 7")
    answer = await (await client.post("/v1/verify", data=_upload(issued.code, changed))).json()
    assert answer["match"] is False
    assert answer["regions_verified"] is False
    verdicts = {r["code"]: (r["verified"], r["reason"]) for r in answer["regions"]}
    assert verdicts["130000"] == (False, "signature does not match the document")
    assert verdicts["110000"][0] is True
    assert verdicts["120000"][0] is True
