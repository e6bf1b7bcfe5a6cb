"""Objections and credit repair across regions, with real processes throughout: three seeded nodes (each with
its staff page), one broker, Redis.

* A seeded enterprise disputes a Hebei record from its three-region report; the earlier report verifies
  ``suspended`` (with the reason) while the objection is open, and the new report marks the record 异议处理中;
  Hebei staff sign in to their page and accept it over HTTP; the subject's account shows the outcome and its next
  report carries the correction.
* The same enterprise applies for repair of a decision Tianjin reports and Beijing reports too; Tianjin staff
  approve it; after the broker relays Tianjin's signed notice, Beijing's copy is repaired as well.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from adapters.pki import ensure_dev_pki
from adapters.seed import demo_subjects
from broker.keys import init_keys
from consent.accounts import AccountStore
from merge.identifiers import parse_subject
from merge.regions import REGION_ORDER, Region
from tests.conftest import REDIS_URL, free_port
from tests.e2e.test_replicas import SEED, Processes, _seed, _wait_healthy, prefix, processes  # noqa: F401

pytestmark = pytest.mark.e2e

SUBJECT_KEY_SECRET = "jjj-e2e-objections-subject-key-0123456789abcdef"
ISSUER = "https://jjj.objections.test"
PASSWORD = "objection-test-password"
STAFF_PASSWORD = "staff-test-password"
PDF = b"%PDF-1.4\n% evidence\n"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found is not None, page[:500]
    return found.group(1)


def _part(report: dict[str, Any], region: Region) -> dict[str, Any]:
    line = next(r for r in report["regions"] if r["code"] == region.code)
    assert line["status"] == "answered", line
    document: dict[str, Any] = line["answer"]["document"]
    return document


def _penalty(report: dict[str, Any], region: Region, record_id: str) -> dict[str, Any] | None:
    return next((p for p in _part(report, region)["records"]["penalty"] if p["record_id"] == record_id), None)


async def _staff_decide(staff: str, ticket_id: str, decision: str, note: str) -> str:
    """Sign in to a node's staff page, find the ticket in the list, open it, decide; the detail page after."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = await (await browser.get(staff + "/signin")).text()
        signed = await browser.post(staff + "/signin", allow_redirects=False, data={
            "username": "officer", "password": STAFF_PASSWORD, "csrf_token": _csrf(page)})  # fmt: skip
        assert signed.status == 303, await signed.text()
        listing = await (await browser.get(staff + "/")).text()
        assert f'data-ticket="{ticket_id}"' in listing
        detail = await (await browser.get(f"{staff}/tickets/{ticket_id}")).text()
        assert "evidence.pdf" in detail or decision == "accept"
        forged = await browser.post(f"{staff}/tickets/{ticket_id}/decide", allow_redirects=False,
                                    data={"decision": decision, "note": note, "csrf_token": "forged"})  # fmt: skip
        assert forged.status == 400
        form = {"decision": decision, "note": note, "csrf_token": _csrf(detail)}
        decided = await browser.post(f"{staff}/tickets/{ticket_id}/decide", allow_redirects=False, data=form)
        assert decided.status == 303, await decided.text()
        return await (await browser.get(f"{staff}/tickets/{ticket_id}")).text()


async def test_objection_and_repair_end_to_end(tmp_path: Path, processes: Processes, prefix: str) -> None:  # noqa: F811
    ring = init_keys(tmp_path / "keys")
    jwks_file = tmp_path / "broker-jwks.json"
    jwks_file.write_text(json.dumps(ring.public_jwks()))
    urls = _seed(tmp_path, processes)
    pki = ensure_dev_pki(tmp_path / "certs")
    env = dict(os.environ, JJJ_REDIS_URL=REDIS_URL, JJJ_REDIS_PREFIX=prefix, JJJ_KEYS_DIR=str(tmp_path / "keys"),
               JJJ_OAUTH_ISSUER=ISSUER, JJJ_HOST="127.0.0.1", JJJ_WARRANT_ISSUER=ISSUER,
               JJJ_SUBJECT_KEY_SECRET=SUBJECT_KEY_SECRET, JJJ_TLS_CERT=str(pki.broker_cert),
               JJJ_TLS_KEY=str(pki.broker_key), JJJ_TLS_CA=str(pki.ca_cert))  # fmt: skip
    staff: dict[Region, str] = {}
    nodes = {}
    for region in REGION_ORDER:
        added = processes.start(f"staff-{region.value}", [sys.executable, "-m", "adapters", "staff", "add", "officer",
                                "--region", region.value, "--db", urls[region.value]],
                                dict(os.environ, JJJ_STAFF_PASSWORD=STAFF_PASSWORD))  # fmt: skip
        assert added.wait(timeout=60) == 0, processes.log(f"staff-{region.value}")
        port, staff_port = free_port(), free_port()
        env[f"JJJ_NODE_{region.name}"] = f"127.0.0.1:{port}"
        staff[region] = f"http://127.0.0.1:{staff_port}"
        nodes[region] = processes.start(f"node-{region.value}", [sys.executable, "-m", "adapters", "serve",
                        "--region", region.value, "--db", urls[region.value], "--host", "127.0.0.1",
                        "--port", str(port), "--staff-port", str(staff_port), "--broker-jwks", str(jwks_file),
                        "--broker-issuer", ISSUER, "--tls-dir", str(pki.directory)])  # fmt: skip
    broker_port = free_port()
    broker = f"http://127.0.0.1:{broker_port}"
    started = processes.start("broker", [sys.executable, "-m", "broker", "serve"],
                              dict(env, JJJ_PORT=str(broker_port), JJJ_PUBLIC_BASE_URL=broker))  # fmt: skip

    subject_id = demo_subjects(SEED)[0].identifier  # records in all three regions, one decision reported twice
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        await AccountStore(redis, prefix, SUBJECT_KEY_SECRET.encode()).add(
            parse_subject(subject_id), "示例企业", PASSWORD
        )
    finally:
        await redis.aclose()

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout) as browser:
        await _wait_healthy(browser, broker + "/healthz", started, "broker", processes)
        page = await (await browser.get(broker + "/signin")).text()
        signed_in = await browser.post(broker + "/signin", allow_redirects=False, data={
            "subject": subject_id, "password": PASSWORD, "csrf_token": _csrf(page), "next": "/account"})  # fmt: skip
        assert signed_in.status == 303, await signed_in.text()
        csrf = (await (await browser.get(broker + "/v1/me")).json())["csrf_token"]
        headers = {"X-CSRF-Token": csrf}
        body = {"subject": subject_id, "edition": "administrative", "window_years": 3, "purpose": "bidding"}

        async def report() -> tuple[dict[str, Any], str]:
            issued = await browser.post(broker + "/v1/reports", json=body, headers=headers)
            assert issued.status == 200, await issued.text()
            data = await issued.json()
            assert data["complete"] is True, data["regions"]
            return data, issued.headers["X-Verification-Code"]

        async def verify(code: str) -> dict[str, Any]:
            answer = await browser.post(broker + "/v1/verify", json={"code": code})
            assert answer.status == 200
            result: dict[str, Any] = await answer.json()
            return result

        async def ticket_status(ticket_id: str) -> dict[str, Any]:
            listed = await browser.get(broker + "/v1/objections")
            assert listed.status == 200, await listed.text()
            return next(t for t in (await listed.json())["tickets"] if t["ticket_id"] == ticket_id)

        async def file(fields: dict[str, str], attach: bytes | None) -> aiohttp.ClientResponse:
            form = aiohttp.FormData(default_to_multipart=True)
            for name, value in {"subject": subject_id, **fields}.items():
                form.add_field(name, value)
            if attach is not None:
                form.add_field(
                    "attachments", io.BytesIO(attach), filename="evidence.pdf", content_type="application/pdf"
                )
            return await browser.post(broker + "/v1/objections", data=form, headers=headers)

        first, first_code = await report()
        assert (await verify(first_code))["status"] == "valid"
        # Every lookup by code is in the subject's "who queried me": the verification, and a download.
        downloaded = await browser.get(f"{broker}/v1/reports/{first['report_no']}.json", params={"code": first_code})
        assert downloaded.status == 200
        queries = (await (await browser.get(broker + "/v1/me/queries")).json())["queries"]
        lookups = [(q["via"], q["report_no"]) for q in queries if q["action"] == "report.lookup"]
        assert ("verify", first["report_no"]) in lookups
        assert ("download:json", first["report_no"]) in lookups
        assert "核验码持有人" in await (await browser.get(broker + "/account")).text()

        # ---- an objection to a Hebei record ----
        hebei = next(p for p in _part(first, Region.HEBEI)["records"]["penalty"])
        record_id = hebei["record_id"]
        objection = {"region": "hebei", "record_id": record_id, "kind": "objection", "field": "violation_facts",
                     "current_value": hebei["violation_facts"], "proposed_value": "经复核，违法事实更正如下：……",
                     "reason": "违法事实表述有误"}  # fmt: skip
        # Refusals first: not Hebei's record, a file that is no PDF, another subject's identifier.
        wrong_region = await file({**objection, "region": "tianjin"}, PDF)
        assert wrong_region.status == 404, await wrong_region.text()
        not_pdf = await file(objection, b"MZ\x90\x00 not a pdf")
        assert not_pdf.status == 422
        assert (await not_pdf.json())["error"]["field"] == "attachments[0]"
        filed = await file(objection, PDF)
        assert filed.status == 201, await filed.text()
        ticket = await filed.json()
        assert ticket["region"] == "hebei"
        assert ticket["status"] == "open"
        assert "violation_facts" not in json.dumps(ticket)  # the broker keeps no record content

        suspended = await verify(first_code)
        assert suspended["status"] == "suspended"
        assert suspended["reason"] == "异议处理中"
        verify_page = await (await browser.get(broker + "/verify", params={"code": first_code})).text()
        assert "异议处理中" in verify_page
        during, _ = await report()
        assert _penalty(during, Region.HEBEI, record_id)["objection_open"] is True  # type: ignore[index]

        detail = await _staff_decide(staff[Region.HEBEI], ticket["ticket_id"], "accept", "经核实，予以更正")
        assert "异议成立" in detail
        assert (await ticket_status(ticket["ticket_id"]))["status"] == "accepted"
        account = await (await browser.get(broker + "/account")).text()
        assert f'data-ticket="{ticket["ticket_id"]}" data-status="accepted"' in account
        after, after_code = await report()
        corrected = _penalty(after, Region.HEBEI, record_id)
        assert corrected is not None
        assert corrected["violation_facts"] == "经复核，违法事实更正如下：……"
        assert "objection_open" not in corrected  # false: left out of the canonical document
        upheld = await verify(first_code)
        assert upheld["status"] == "suspended"
        assert "更正" in upheld["reason"]

        # ---- an objection rejected at the command line: the suspended report is valid again ----
        other = next(p for p in _part(after, Region.HEBEI)["records"]["penalty"] if p["record_id"] != record_id)
        too_big = await file({**objection, "record_id": other["record_id"]}, b"%PDF-" + b"0" * (1024 * 1024))
        assert too_big.status == 413
        assert (await too_big.json())["error"]["field"] == "attachments[0]"
        no_reason = await file({**objection, "record_id": other["record_id"], "reason": " "}, None)
        assert no_reason.status == 422
        assert (await no_reason.json())["error"]["field"] == "reason"
        filed = await file({**objection, "record_id": other["record_id"], "field": "fine_amount",
                            "proposed_value": "0.5"}, None)  # fmt: skip
        assert filed.status == 201, await filed.text()
        second = await filed.json()
        assert second["reports"]  # `after` holds the record, and so does every report since the first
        assert (await verify(after_code))["status"] == "suspended"
        rejected = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "adapters", "objections", "reject", second["ticket_id"], "--note", "金额无误",
             "--staff", "officer", "--region", "hebei", "--db", urls["hebei"]],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert rejected.returncode == 0, rejected.stderr
        assert "rejected" in rejected.stdout
        assert (await ticket_status(second["ticket_id"]))["status"] == "rejected"
        assert (await verify(after_code))["status"] == "valid"

        # ---- a repair in Tianjin of a decision Beijing reports too ----
        twice = next(
            r for r in after["records"]
            if r["kind"] == "penalty" and {Region.BEIJING.code, Region.TIANJIN.code} <= set(r["reported_by"])
        )  # fmt: skip
        shared_id = twice["record_id"]
        assert _penalty(after, Region.BEIJING, shared_id) is not None
        filed = await file({"region": "tianjin", "record_id": shared_id, "kind": "repair",
                            "reason": "已履行行政处罚决定并完成整改"}, PDF)  # fmt: skip
        assert filed.status == 201, await filed.text()
        repair = await filed.json()
        await _staff_decide(staff[Region.TIANJIN], repair["ticket_id"], "accept", "已履行处罚、完成整改，准予修复")
        listed = await ticket_status(repair["ticket_id"])  # reading the status relays Tianjin's signed notice
        assert listed["status"] == "approved"
        assert listed["relayed"] is True
        repaired, _ = await report()
        for region in (Region.TIANJIN, Region.BEIJING):
            copy = _penalty(repaired, region, shared_id)
            assert copy is not None, region
            assert copy["repair_status"] == "repaired", region
        item = next(r for r in repaired["records"] if r["record_id"] == shared_id)
        assert item["repaired"] is True
