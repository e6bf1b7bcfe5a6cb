"""The portal as a person uses it, in headless Chromium: sign in, ask for a report and watch the three regions
answer, read it, download its PDF, share its code and verify it; approve a bank's request and revoke it; and, with
a region stopped, the choice to retry or take an incomplete report.

Every page on the way is checked in Chinese and English at 1280×900 and 390×844: the ``lang`` attribute, no
horizontal overflow, no serious or critical axe-core violation, no Content-Security-Policy violation; screenshots
go to ``var/test-artifacts/portal/``. The tests run in file order: the last one stops a node.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from playwright.async_api import BrowserContext, Page

from broker.web.appkeys import CLIENTS
from merge.regions import Region
from tests.broker.conftest import ENTERPRISE, PASSWORD
from tests.broker.live import LiveBroker
from tests.e2e.portal.browser import Chromium, assert_checks, check_page, each_variant

pytestmark = pytest.mark.e2e

#: The bank's callback: never reached — the browser's request is answered by Playwright (port 9, the tests' usual
#: unreachable address, is one Chromium refuses to load at all).
_REDIRECT = "http://127.0.0.1:8999/callback"
_RECORD_STATES = """() => {
  const list = document.getElementById("regions");
  const snapshot = () => window.recordStates(JSON.stringify(
    [...list.querySelectorAll("li")].map(li => [li.dataset.region, li.dataset.state])));
  new MutationObserver(snapshot).observe(list, {subtree: true, attributes: true, attributeFilter: ["data-state"]});
}"""


def _csp_watch(page: Page, errors: list[str]) -> None:
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)


async def _signed_in(chromium: Chromium, base: str, subject: str = ENTERPRISE) -> tuple[BrowserContext, Page]:
    context = await chromium.context(base)
    page = await context.new_page()
    await page.goto("/signin?next=/account/report")
    await page.fill("#f-subject", subject)
    await page.fill("#f-password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/account/report")
    return context, page


def _opener(path: str) -> Any:
    async def open_page(context: BrowserContext, lang: str) -> Page:
        page = await context.new_page()
        separator = "&" if "?" in path else "?"
        await page.goto(f"{path}{separator}lang={lang}")
        return page

    return open_page


def test_public_pages_in_both_languages_and_sizes(chromium: Chromium, portal: LiveBroker) -> None:
    async def scenario() -> list[Any]:
        checks = []
        for name, path in (("home", "/"), ("signin", "/signin"), ("verify", "/verify"), ("not-found", "/no/such")):
            checks += await each_variant(chromium, portal.base_url, name, _opener(path))
        context = await chromium.context(portal.base_url, lang="en")
        page = await context.new_page()
        response = await page.goto("/no/such/page")
        heading = await page.text_content("h1")
        await context.close()
        return [checks, response.status if response else None, heading]

    checks, status, heading = chromium.run(scenario)
    assert_checks(checks)
    assert status == 404
    assert heading == "Page not found"  # the browser's Accept-Language chose English, and a page, not JSON


def test_report_live_then_read_download_share_and_verify(chromium: Chromium, portal: LiveBroker) -> None:
    async def scenario() -> dict[str, Any]:
        context, page = await _signed_in(chromium, portal.base_url)
        csp: list[str] = []
        _csp_watch(page, csp)
        snapshots: list[list[list[str]]] = []
        await page.expose_function("recordStates", lambda states: snapshots.append(json.loads(states)))
        await page.evaluate(_RECORD_STATES)
        await page.click("#submit")
        await page.wait_for_url("**/account/reports/JJJ-*")
        number = page.url.rsplit("/", 1)[1]
        code = (await page.text_content("#verification-code") or "").strip()
        async with page.expect_download() as download:
            await page.click("text=下载 PDF")
        pdf = (await (await download.value).path()).read_bytes()
        state = await context.storage_state()
        checks = await each_variant(chromium, portal.base_url, "report", _opener(f"/account/reports/{number}"), state)
        checks += await each_variant(chromium, portal.base_url, "request", _opener("/account/report"), state)
        checks += await each_variant(chromium, portal.base_url, "my-reports", _opener("/account/reports"), state)
        listed = await page.goto("/account/reports")
        listing = await page.text_content("main") if listed else ""
        await context.close()
        # Whoever receives the code, without an account:
        stranger = await chromium.context(portal.base_url)
        verify = await stranger.new_page()
        _csp_watch(verify, csp)
        await verify.goto(f"/verify?code={code}")
        verdict = await verify.text_content(".status")
        await stranger.close()
        checks += await each_variant(chromium, portal.base_url, "verify-valid", _opener(f"/verify?code={code}"))
        return {"snapshots": snapshots, "pdf": pdf[:5], "checks": checks, "verdict": verdict, "csp": csp,
                "listing": listing, "number": number}  # fmt: skip

    seen = chromium.run(scenario)
    snapshots = seen["snapshots"]
    # Live: at some moment one region had answered while another was still waiting, and at the end all answered.
    assert any({"answered", "waiting"} <= {state for _, state in s} for s in snapshots), snapshots
    assert [state for _, state in snapshots[-1]] == ["answered"] * 3, snapshots
    assert seen["pdf"] == b"%PDF-"
    assert seen["verdict"] is not None
    assert "有效" in seen["verdict"]
    assert seen["number"] in seen["listing"]
    assert seen["csp"] == []
    assert_checks(seen["checks"])


def test_approve_a_banks_request_then_revoke_it(chromium: Chromium, portal: LiveBroker) -> None:
    portal.run(lambda: portal.app[CLIENTS].add("demo-bank", "示例银行", [_REDIRECT], ["report:standard"]))
    query = urlencode({
        "response_type": "code", "client_id": "demo-bank", "redirect_uri": _REDIRECT, "scope": "report:standard",
        "state": "s-1", "purpose": "financing", "max_uses": "3",
        "code_challenge": create_s256_code_challenge("v" * 64), "code_challenge_method": "S256",
    })  # fmt: skip
    authorize = f"/oauth/authorize?{query}"

    async def scenario() -> dict[str, Any]:
        context, page = await _signed_in(chromium, portal.base_url)
        await page.route("http://127.0.0.1:8999/**", lambda route: route.fulfill(status=200, body="the bank"))
        state = await context.storage_state()
        checks = await each_variant(chromium, portal.base_url, "consent", _opener(authorize), state)
        await page.goto(authorize)
        await page.click("#approve")
        await page.wait_for_url("http://127.0.0.1:8999/callback**")
        callback = page.url
        await page.goto("/account")
        await page.get_by_role("link", name="撤回对 示例银行 的授权").click()
        await page.wait_for_url("**/account/grants/*/revoke")
        grant_page = page.url.split("/account/", 1)[1]
        checks += await each_variant(
            chromium, portal.base_url, "revoke-confirm", _opener(f"/account/{grant_page}"), state
        )
        await page.click("#confirm-revoke")
        await page.wait_for_url("**/account?changed=revoke*")
        status = await page.text_content("[role=status]")
        rows = await page.text_content("#grants + p + table")
        checks += await each_variant(chromium, portal.base_url, "account", _opener("/account"), state)
        await context.close()
        return {"callback": callback, "status": status, "rows": rows, "checks": checks}

    seen = chromium.run(scenario)
    assert "code=" in seen["callback"]
    assert "state=s-1" in seen["callback"]
    assert seen["status"] is not None
    assert "已撤回" in seen["status"]
    assert "已撤回" in (seen["rows"] or "")
    assert_checks(seen["checks"])


def test_a_region_down_offers_retry_or_an_incomplete_report(chromium: Chromium, portal: LiveBroker) -> None:
    assert portal.nodes is not None
    portal.run(lambda: portal.nodes.stop(Region.HEBEI))

    async def to_choice(context: BrowserContext, lang: str) -> Page:
        page = await context.new_page()
        await page.goto(f"/account/report?lang={lang}")
        await page.click("#submit")
        await page.wait_for_selector("#choice:not([hidden])")
        return page

    async def scenario() -> dict[str, Any]:
        context, page = await _signed_in(chromium, portal.base_url)
        state = await context.storage_state()
        checks = await each_variant(chromium, portal.base_url, "choice", to_choice, state)
        page = await to_choice(context, "zh")
        hebei = await page.get_attribute('li[data-region="130000"]', "data-state")
        await page.click("#accept")
        await page.wait_for_url("**/account/reports/JJJ-*")
        banner = await page.text_content(".banner-incomplete")
        number = page.url.rsplit("/", 1)[1]
        checks += await each_variant(
            chromium, portal.base_url, "report-incomplete", _opener(f"/account/reports/{number}"), state
        )
        shot = await check_page(page, "report-incomplete-final", "zh", "desktop")
        await context.close()
        return {"hebei": hebei, "banner": banner, "checks": [*checks, shot]}

    seen = chromium.run(scenario)
    assert seen["hebei"] == "failed"
    assert seen["banner"] is not None
    assert "不完整" in seen["banner"]
    assert_checks(seen["checks"])
