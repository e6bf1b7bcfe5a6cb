"""The financial edition's department confirmation, end to end through the real app and real gRPC nodes: the
report waits (202, nothing issued) while departments confirm on their nodes; once every record is decided it is
issued under the reserved number, each confirmation sealed by its department and verifiable from the report alone;
a department that lets the due date pass is stated as not confirmed in time, never as confirmed."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.answer_verify import AnswerVerifier
from adapters.confirmations import ConfirmationRefused
from adapters.pki import PkiLayout
from adapters.staff.accounts import StaffAccounts
from adapters.staff.app import create_staff_app
from adapters.tickets import TicketStore
from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.reports.appkeys import REPORT_STORE
from broker.verify.report_check import check_regions
from merge.identifiers import parse_subject
from merge.regions import REGION_ORDER, Region
from tests.broker.conftest import AUTHORITY_NAME, ENTERPRISE, STAFF_PASSWORD, Nodes, sign_in, start_nodes, stop_nodes
from tests.broker.oauth.test_rules import basic, get_code, redeem
from tests.broker.oauth_helpers import base, new_verifier, register_bank
from tests.broker.pdf.conftest import pdftotext

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
FINANCIAL = {"subject": ENTERPRISE, "edition": "financial", "window_years": 3, "purpose": "bidding"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def node_clock() -> Clock:
    return Clock()


@pytest.fixture
async def nodes(pki: PkiLayout, tmp_path: Path, node_clock: Clock) -> AsyncIterator[Nodes]:
    running = await start_nodes(pki, tmp_path, financial=True, clock=node_clock)
    yield running
    await stop_nodes(running)


async def _ask(client: TestClient, csrf: str, path: str = "/v1/reports") -> tuple[int, Any, Any]:  # type: ignore[type-arg]
    body = FINANCIAL if path == "/v1/reports" else None
    response = await client.post(path, json=body, headers={"X-CSRF-Token": csrf})
    return response.status, json.loads(await response.read()), response


async def _decide_all(nodes: Nodes, region: Region, annotation: str | None = None) -> int:
    store = nodes.confirmations[region]
    pending = await store.listing(None, "pending")
    for item in pending:
        await store.decide(item.confirmation_id, f"dept-{region.value}", annotation=annotation)
    return len(pending)


def _confirmations(report: dict[str, Any], region: Region) -> list[dict[str, Any]]:
    line = next(r for r in report["regions"] if r["code"] == region.code)
    document: dict[str, Any] = line["answer"]["document"]
    return list(document["confirmations"])


async def test_the_report_waits_for_the_departments_then_is_issued_with_seals_that_verify(
    broker_factory: Factory, nodes: Nodes
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    status, pending, response = await _ask(client, csrf)
    assert status == 202, pending
    report_no = pending["report_no"]
    assert response.headers["Location"] == f"/v1/reports/pending/{report_no}"
    assert [r["confirmations"] for r in pending["regions"]] == [{"pending": 3}] * 3
    assert pending["due_on"] is not None

    # Beijing confirms, Tianjin annotates; Hebei has not decided yet: still pending, nothing issued.
    assert await _decide_all(nodes, Region.BEIJING) == 3
    assert await _decide_all(nodes, Region.TIANJIN, annotation="当事人已于2025年缴清罚款") == 3
    status, still, _ = await _ask(client, csrf, f"/v1/reports/pending/{report_no}")
    assert status == 202, still
    assert [r["confirmations"] for r in still["regions"]] == [{"confirmed": 3}, {"annotated": 3}, {"pending": 3}]
    assert still["regions"][2]["waiting_for"] != []

    await _decide_all(nodes, Region.HEBEI)
    status, report, response = await _ask(client, csrf, f"/v1/reports/pending/{report_no}")
    assert status == 200, report
    assert report["report_no"] == report_no
    assert response.headers["X-Verification-Code"]
    for region, expected in zip(REGION_ORDER, ("confirmed", "annotated", "confirmed"), strict=True):
        items = _confirmations(report, region)
        assert {c["status"] for c in items} == {expected}
        assert all(c["seal"]["scheme"] == "jjj.department-seal/1" for c in items)

    # Anyone holding the report checks every region's part, seals included, with nothing else.
    assert nodes.pki is not None
    checker = AnswerVerifier.from_pem(nodes.pki.ca_cert.read_bytes())
    checked = check_regions(report, checker)
    assert all(check.verified for check in checked)
    assert {check.reason for check in checked} == {"signed by the region, unchanged; 3 department seals verify"}
    # One changed byte in a seal, and that region's part fails, named (the region signed its seals too; a seal that
    # does not verify under a valid region signature is refused as well: tests/merge/test_confirmations.py).
    forged = copy.deepcopy(report)
    item = _confirmations(forged, Region.TIANJIN)[0]
    signature = bytearray(base64.b64decode(item["seal"]["signature"]))
    signature[0] ^= 1
    item["seal"]["signature"] = base64.b64encode(bytes(signature)).decode()
    checks = check_regions(forged, checker)
    assert [(c.code, c.reason) for c in checks if not c.verified] == [
        (Region.TIANJIN.code, "signature does not match the document")
    ]
    # Carried into another report (its number changed), the seals say they confirm another one.
    moved = copy.deepcopy(report) | {"report_no": "JJJ-20260101-000001"}
    assert {c.reason for c in check_regions(moved, checker)} == {"its department confirmations are for another report"}

    # Issued: asking again says so; every ask is in the subject's audit trail.
    status, again, _ = await _ask(client, csrf, f"/v1/reports/pending/{report_no}")
    assert (status, again["error"]["code"]) == (409, "report_issued_already")
    store = client.app[REPORT_STORE]
    entries = await client.app[AUDIT].entries_for_subject(store.subject_key(parse_subject(ENTERPRISE)))
    outcomes = [e.outcome for e in entries if e.action == Action.REPORT_ISSUE]
    assert sorted(outcomes) == ["issued", "pending", "pending"]


async def test_a_department_that_lets_the_due_date_pass_is_stated_as_not_confirmed(
    broker_factory: Factory, nodes: Nodes, node_clock: Clock, tmp_path: Path
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    status, pending, _ = await _ask(client, csrf)
    assert status == 202
    await _decide_all(nodes, Region.BEIJING)
    await _decide_all(nodes, Region.TIANJIN)
    node_clock.now += timedelta(days=30)  # Hebei's department never answered
    item = (await nodes.confirmations[Region.HEBEI].listing(None, "pending"))[0]
    with pytest.raises(ConfirmationRefused, match="due_on"):
        await nodes.confirmations[Region.HEBEI].decide(item.confirmation_id, "dept-hebei", annotation=None)
    status, report, response = await _ask(client, csrf, f"/v1/reports/pending/{pending['report_no']}")
    assert status == 200, report
    hebei = _confirmations(report, Region.HEBEI)
    assert {c["status"] for c in hebei} == {"expired"}
    assert all("seal" not in c for c in hebei)
    # The PDF says so for each of Hebei's records, and lists the seals of the departments that did confirm.
    code = response.headers["X-Verification-Code"]
    pdf = await client.get(f"/v1/reports/{report['report_no']}.pdf", params={"code": code})
    assert pdf.status == 200
    text = re.sub(r"\s+", "", pdftotext(await pdf.read(), tmp_path))
    assert text.count("内答复：未经确认") == 3
    assert "部门确认与电子印章" in text
    assert text.count("电子印章") >= 3 + 6  # the list of seals, and each confirmed record's line


async def test_only_the_records_own_department_may_decide_and_the_staff_page_says_why(
    broker_factory: Factory, nodes: Nodes, aiohttp_client: Any
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    assert (await _ask(client, csrf))[0] == 202
    beijing = nodes.confirmations[Region.BEIJING]
    item = (await beijing.listing(None, "pending"))[0]
    with pytest.raises(ConfirmationRefused, match="does not decide"):
        await beijing.decide(item.confirmation_id, "dept-tianjin", annotation=None)

    # The staff page: Beijing's department staff sign in, see the record, and confirm it there.
    tickets = await TicketStore.open(str(beijing._engine.url), Region.BEIJING)
    try:
        accounts = StaffAccounts(tickets.engine)
        await accounts.add("centre-staff", STAFF_PASSWORD)
        app = create_staff_app(tickets, accounts, _zero, beijing)
        staff = await aiohttp_client(TestServer(app))
        await _staff_sign_in(staff, "dept-beijing")
        page = await staff.get("/confirmations")
        assert page.status == 200
        assert item.confirmation_id in await page.text()
        detail = await (await staff.get(f"/confirmations/{item.confirmation_id}")).text()
        assert "确认无误并加盖电子印章" in detail
        token = _csrf(detail)
        bad = await staff.post(f"/confirmations/{item.confirmation_id}/decide",
                               data={"csrf_token": token, "decision": "annotate", "annotation": " "})  # fmt: skip
        assert bad.status == 400
        assert "annotation" in await bad.text()
        done = await staff.post(f"/confirmations/{item.confirmation_id}/decide",
                                data={"csrf_token": token, "decision": "confirm"}, allow_redirects=False)  # fmt: skip
        assert done.status == 303
        assert (await beijing.get(item.confirmation_id)).status == "confirmed"
        twice = await staff.post(f"/confirmations/{item.confirmation_id}/decide",
                                 data={"csrf_token": token, "decision": "confirm"})  # fmt: skip
        assert twice.status == 409
        # Staff of no department see the queue but get no form.
        other = await aiohttp_client(TestServer(create_staff_app(tickets, accounts, _zero, beijing)))
        await _staff_sign_in(other, "centre-staff")
        second = (await beijing.listing(None, "pending"))[0]
        text = await (await other.get(f"/confirmations/{second.confirmation_id}")).text()
        assert "确认无误并加盖电子印章" not in text
    finally:
        await tickets.close()


async def _zero() -> int:
    return 0


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


async def _staff_sign_in(client: TestClient, username: str) -> None:  # type: ignore[type-arg]
    form = await client.get("/signin")
    token = _csrf(await form.text())
    response = await client.post("/signin", data={"csrf_token": token, "username": username,
                                                  "password": STAFF_PASSWORD}, allow_redirects=False)  # fmt: skip
    assert response.status == 303


async def test_in_the_portal_the_request_waits_on_its_page_then_opens_as_the_report(
    broker_factory: Factory, nodes: Nodes
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    form = {**FINANCIAL, "window_years": "3", "csrf_token": csrf}
    page = await client.post("/account/report", data=form)
    html = await page.text()
    assert page.status == 200
    assert "待部门确认" in html
    number = re.search(r'action="/account/reports/pending/(JJJ-\d{8}-\d{6})"', html)
    assert number is not None
    report_no = number[1]
    for region in REGION_ORDER:
        assert AUTHORITY_NAME[region] in html  # which departments are still to decide
    listing = await (await client.get("/account/reports")).text()
    assert f"/account/reports/pending/{report_no}" in listing

    for region in REGION_ORDER:
        await _decide_all(nodes, region, annotation="已整改" if region is Region.HEBEI else None)
    done = await client.post(f"/account/reports/pending/{report_no}", data={"csrf_token": csrf},
                             allow_redirects=False)  # fmt: skip
    assert done.status == 303
    assert done.headers["Location"] == f"/account/reports/{report_no}"
    report_page = await (await client.get(done.headers["Location"])).text()
    assert "部门确认与电子印章" in report_page
    assert "已确认并附说明：已整改" in report_page
    assert report_page.count("电子印章") >= 9
    assert f"/account/reports/pending/{report_no}" not in await (await client.get("/account/reports")).text()
    # A stale form changes nothing.
    stale = await client.post(f"/account/reports/pending/{report_no}", data={"csrf_token": "forged"})
    assert stale.status in (403, 409)


async def test_a_bank_with_a_single_use_grant_gets_its_report_once_confirmed_and_not_after_revocation(
    broker_factory: Factory, nodes: Nodes
) -> None:
    client = await broker_factory()
    await sign_in(client, ENTERPRISE)
    secret = await register_bank(client, scopes=("report:financial",))
    assert secret is not None
    csrf = (await (await client.get("/v1/me")).json())["csrf_token"]

    async def token(max_uses: str) -> tuple[str, str]:
        verifier = new_verifier()
        code = await get_code(client, verifier, scope="report:financial", max_uses=max_uses)
        status, issued = await redeem(client, secret, code, verifier)
        assert status == 200, issued
        introspected = await client.post(
            "/oauth/introspect", data={"token": issued["access_token"]}, headers=basic("demo-bank", secret)
        )
        return issued["access_token"], (await introspected.json())["grant_id"]

    async def as_bank(access: str, path: str, body: object = None) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session:  # no cookies: only the token speaks
            response = await session.post(base(client) + path, json=body,
                                          headers={"Authorization": f"Bearer {access}"})  # fmt: skip
            return response.status, json.loads(await response.read())

    access, _grant = await token("1")
    status, pending = await as_bank(access, "/v1/reports", FINANCIAL)
    assert status == 202, pending
    poll = f"/v1/reports/pending/{pending['report_no']}"
    assert (await as_bank(access, poll))[0] == 202  # its one use was the report's: asking again spends none
    for region in REGION_ORDER:
        await _decide_all(nodes, region)
    status, report = await as_bank(access, poll)
    assert status == 200, report
    assert report["report_no"] == pending["report_no"]
    assert (await as_bank(access, "/v1/reports", FINANCIAL))[0] == 403  # a new report: the use is spent

    # Another grant, revoked while its report waits: asking again is refused, and nothing is issued.
    access, grant_id = await token("3")
    status, pending = await as_bank(access, "/v1/reports", FINANCIAL)
    assert status == 202, pending
    revoked = await client.post(f"/v1/grants/{grant_id}/revoke", headers={"X-CSRF-Token": csrf})
    assert revoked.status == 200
    status, refused = await as_bank(access, f"/v1/reports/pending/{pending['report_no']}")
    assert status in (401, 403), refused
    # Nor may the subject's own session complete a report a bank asked for.
    own = await client.post(f"/v1/reports/pending/{pending['report_no']}", headers={"X-CSRF-Token": csrf})
    assert own.status == 404
