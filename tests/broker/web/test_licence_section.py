"""The report page's 行政许可 section: an enterprise with nothing but licences gets a clean report whose licences are
listed apart (in Chinese and in English); an expired one is marked. Through the real broker and nodes (the portal's
own form, as a person uses it), and the page's context on a merged report."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp.test_utils import TestClient

from adapters.csv_import import import_csv
from broker.account.report_view import report_context
from broker.web.i18n import rendering
from merge.regions import Region
from tests.broker.conftest import CLEAN_ENTERPRISE, CLEAN_ENTERPRISE_NAME, Nodes, sign_in
from tests.broker.pdf.test_licences import licences_only

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

#: The 双公示 licensing layout's columns this file fills (the others may be left out).
HEADER = "主体名称,统一社会信用代码,行政许可决定文书名称,行政许可决定文书号,许可类别,许可编号,许可内容," + (
    "许可决定日期,有效期至,许可机关,领域"
)


async def test_a_subject_with_only_licences_gets_a_clean_report_listing_them(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path
) -> None:
    licences = tmp_path / "licences.csv"
    licences.write_text(
        f"{HEADER}\n"
        f"{CLEAN_ENTERPRISE_NAME},{CLEAN_ENTERPRISE},食品经营许可决定书,津市监食许〔2025〕7号,普通,JY11201160000007,"
        "预包装食品销售,2025-04-10,2030-04-09,天津市滨海新区市场监督管理局,市场监管\n",
        encoding="utf-8",
    )
    tianjin = next(store for store in nodes.stores if store.region is Region.TIANJIN)
    assert (await import_csv(tianjin, licences, Region.TIANJIN)).new == 1
    client = await broker_factory()
    csrf = await sign_in(client, CLEAN_ENTERPRISE)
    form = {"subject": CLEAN_ENTERPRISE, "edition": "standard", "window_years": "3", "purpose": "bidding"}
    response = await client.post("/account/report", data={**form, "csrf_token": csrf}, allow_redirects=False)
    assert response.status == 303
    page = response.headers["Location"]
    html = await (await client.get(page)).text()
    assert "合并后共 0 条记录。" in html
    section = html[html.index('<section id="licences"') :]
    section = section[: section.index("</section>")]
    assert "行政许可（1 条）" in section
    assert "行政许可不是违法违规记录" in section
    assert "食品经营许可决定书 津市监食许〔2025〕7号" in section
    assert "许可已过期" not in section
    # The JSON: complete, no record, the licence in its own list.
    match = re.search(r"/v1/reports/(JJJ-[0-9-]+)\.json\?code=([^\"&]+)", html)
    assert match is not None
    report = await (await client.get(f"/v1/reports/{match[1]}.json", params={"code": match[2]})).json()
    assert (report["complete"], report["records"], report["summary"]["total_records"]) == (True, [], 0)
    assert [(item["region"], item["domain"]) for item in report["licences"]] == [
        (Region.TIANJIN.code, "market_regulation")
    ]
    english = await (await client.get(page, params={"lang": "en"})).text()
    section = english[english.index('<section id="licences"') :]
    assert "Administrative licences" in section
    assert "Administrative licences are not records of violations" in section
    assert "Licensed activity" in section
    assert "ordinary" in section


def test_the_page_marks_an_expired_licence_in_either_language() -> None:
    report = licences_only()
    with rendering("zh"):
        zh = report_context(report, "K7QX-9M2P-4HTD-R8WC", "https://jjj.example.cn")["licences"]
    with rendering("en"):
        en = report_context(report, "K7QX-9M2P-4HTD-R8WC", "https://jjj.example.cn")["licences"]
    assert [item["marks"] for item in zh] == [[], ["许可已过期"]]
    assert [item["marks"] for item in en] == [[], ["Licence expired"]]
    assert [item["region"] for item in en] == ["Tianjin", "Tianjin"]
    assert ("Licence category", "approval") in en[1]["fields"]
    assert ("许可类别", "核准") in zh[1]["fields"]
