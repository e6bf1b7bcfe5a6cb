"""Editions as data through the real app and real gRPC nodes: an operator's own edition, the financial edition's
fail-closed refusal (issue 14). A node process holding another version: tests/e2e/test_edition_files.py."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapters.answer_verify import AnswerVerifier
from adapters.csv_import import import_csv
from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action
from broker.reports.appkeys import REPORT_STORE
from broker.verify.report_check import check_regions
from merge.edition_files import install, load_catalogue
from merge.identifiers import parse_subject
from merge.regions import Region
from tests.broker.conftest import ENTERPRISE, Nodes, sign_in
from tests.broker.pdf.conftest import pdftotext
from tests.broker.reports.test_service import GOOD, post

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
CUSTOM_DIR = Path(__file__).parents[2] / "data" / "editions"


@pytest.fixture(autouse=True)
def shipped_editions_after() -> Iterator[None]:
    """The app installs its editions process-wide; the next test gets the shipped ones again."""
    yield
    install(load_catalogue())


async def test_an_operators_edition_file_is_issued_without_code_changes(broker_factory: Factory) -> None:
    # Nodes and broker hold the same files (in-process nodes share the catalogue the app installs).
    client = await broker_factory(editions_dir=CUSTOM_DIR)
    status, report, _ = await post(client, {**GOOD, "edition": "construction"})
    assert status == 200, report
    assert report["edition"] == "construction"
    assert report["edition_name"] == "专用信用报告（建筑业专版）"
    assert report["complete"] is True
    # Its rules, not the standard edition's: warnings kept (1 per region), the 2-year-old penalty outside 24 months.
    assert report["summary"]["total_records"] == 6
    assert sum(1 for r in report["records"] if r["minor"]) == 3
    window_from = date.fromisoformat(report["window"]["from"])
    assert (date.fromisoformat(report["window"]["to"]) - window_from).days < 2 * 366


async def test_an_edition_the_broker_does_not_hold_is_a_422_naming_the_field(broker_factory: Factory) -> None:
    client = await broker_factory()
    status, body, _ = await post(client, {**GOOD, "edition": "construction"})
    assert status == 422
    assert "edition" in str(body)


async def test_the_financial_edition_for_an_enterprise_on_no_list_is_a_403_and_issues_nothing(
    broker_factory: Factory,
) -> None:
    # Every node refuses (they hold no financial list) and says why in machine form: no report to issue at all,
    # rather than one with every region refused (which was never clean either, but looked like a report).
    client = await broker_factory()
    status, body, response = await post(client, {**GOOD, "edition": "financial"})
    assert status == 403, body
    assert body["error"]["code"] == "subject_not_listed"
    assert "'financial' list" in body["error"]["message"]
    assert "X-Verification-Code" not in response.headers
    entries = await client.app[AUDIT].entries_for_subject(
        client.app[REPORT_STORE].subject_key(parse_subject(ENTERPRISE))
    )
    assert [e.outcome for e in entries if e.action == Action.REPORT_ISSUE] == ["failed:subject_not_listed"]


async def test_a_region_refusing_for_another_cause_still_gives_a_report_never_clean(
    broker_factory: Factory, nodes: Nodes
) -> None:
    # One region down: not every region said "not listed", so the report is issued, incomplete, refused parts
    # stated as such.
    await nodes.stop(Region.HEBEI)
    client = await broker_factory()
    status, report, _ = await post(client, {**GOOD, "edition": "financial"})
    assert status == 200, report
    assert report["complete"] is False
    assert report["certificate_usable"] is False
    regions: list[dict[str, Any]] = report["regions"]
    assert [r["status"] for r in regions] == ["refused", "refused", "unavailable"]
    assert all("'financial' list" in r["error"] for r in regions[:2])
    assert report["records"] == []


async def test_every_record_states_its_severity_class(broker_factory: Factory) -> None:
    client = await broker_factory()
    status, report, _ = await post(client, {**GOOD, "edition": "administrative"})
    assert status == 200
    assert {r["severity"] for r in report["records"]} <= {"一般", "较重", "严重"}
    assert len([r for r in report["records"] if r["severity"]]) == report["summary"]["total_records"] == 9


async def test_an_operator_imports_a_list_file_and_sees_it_in_the_next_report(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path
) -> None:
    client = await broker_factory()
    status, before, _ = await post(client, {**GOOD, "edition": "administrative"})
    assert status == 200
    assert before["summary"]["by_kind"].get("dishonesty_list_entry", 0) == 0
    lists = tmp_path / "lists.csv"
    lists.write_text(
        "主体名称,统一社会信用代码,名单名称,认定机关,认定文书编号,列入日期,领域\n"
        f"示例主体,{ENTERPRISE},重大税收违法失信主体,国家税务总局天津市税务局,津税稽认〔2025〕7号,2025-06-01,税务\n",
        encoding="utf-8",
    )
    tianjin = next(store for store in nodes.stores if store.region is Region.TIANJIN)
    imported = await import_csv(tianjin, lists, Region.TIANJIN)
    assert (imported.ok, imported.new) == (True, 1)

    status, after, _ = await post(client, {**GOOD, "edition": "administrative"})
    assert status == 200
    entries = [r for r in after["records"] if r["kind"] == "dishonesty_list_entry"]
    assert [(r["region"], r["severity"]) for r in entries] == [(Region.TIANJIN.code, "严重")]
    assert after["matrix"][[row["domain"] for row in after["matrix"]].index("taxation")]["cells"]["120000"] == {
        "state": "records", "count": 1,
    }  # fmt: skip


async def test_imported_licences_are_listed_apart_and_never_make_a_report_unclean(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path
) -> None:
    client = await broker_factory()
    status, before, _ = await post(client, GOOD)
    assert status == 200
    licences = tmp_path / "licences.csv"
    licences.write_text(
        "主体名称,统一社会信用代码,行政许可决定文书名称,行政许可决定文书号,许可类别,许可内容,许可决定日期,有效期至,许可机关,领域\n"
        f"示例主体,{ENTERPRISE},食品经营许可决定书,津市监食许〔2025〕9号,普通,预包装食品销售,2025-04-10,2030-04-09,"
        "天津市滨海新区市场监督管理局,市场监管\n",
        encoding="utf-8",
    )
    tianjin = next(store for store in nodes.stores if store.region is Region.TIANJIN)
    assert (await import_csv(tianjin, licences, Region.TIANJIN)).new == 1

    status, after, response = await post(client, GOOD)
    assert status == 200
    assert [(item["region"], item["domain"]) for item in after["licences"]] == [
        (Region.TIANJIN.code, "market_regulation")
    ]
    # Not a violation: the records, their counts and the matrix are what they were.
    assert after["records"] == before["records"]
    assert (after["summary"], after["matrix"]) == (before["summary"], before["matrix"])
    assert after["complete"] is True
    # The region signed it: the licence is in Tianjin's part, outside its summary.
    part = next(r for r in after["regions"] if r["code"] == Region.TIANJIN.code)["answer"]["document"]
    assert [lic["document_no"] for lic in part["records"]["licence"]] == ["津市监食许〔2025〕9号"]

    # A verifier holds the report to its parts: a licence the part does not hold fails that region.
    assert nodes.pki is not None
    checker = AnswerVerifier.from_pem(nodes.pki.ca_cert.read_bytes())
    assert all(check.verified for check in check_regions(after, checker))
    forged = after | {"licences": [after["licences"][0] | {"record_id": "made-up"}]}
    assert [(c.code, c.reason) for c in check_regions(forged, checker) if not c.verified] == [
        (Region.TIANJIN.code, "the report lists a licence its part does not hold")
    ]

    code = response.headers["X-Verification-Code"]
    pdf = await client.get(f"/v1/reports/{after['report_no']}.pdf", params={"code": code})
    text = re.sub(r"\s+", "", pdftotext(await pdf.read(), tmp_path))
    assert "行政许可（1条）" in text
    assert "津市监食许〔2025〕9号" in text
    assert "行政许可不是违法违规记录" in text
    # The report page (the portal's own form, as a person uses it) has the section too.
    csrf = await sign_in(client, ENTERPRISE)
    form = {"subject": ENTERPRISE, "edition": "standard", "window_years": "3", "purpose": "bidding", "csrf_token": csrf}
    html = await (await client.post("/account/report", data=form)).text()
    assert 'id="licences"' in html
    assert "食品经营许可决定书 津市监食许〔2025〕9号" in html
