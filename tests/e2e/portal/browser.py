"""One headless Chromium for the whole test session (Debian's ``/usr/bin/chromium``, driven by Playwright; no
browser is ever downloaded), on an event loop of its own thread: the tests hand it coroutines, so many pages run in
parallel contexts and nothing shares a loop with pytest-asyncio.

Every page a test looks at goes through :func:`check_page`: the ``lang`` attribute, no horizontal overflow, axe-core
(bundled by axe-playwright-python) with no serious or critical violation, and a full-page screenshot kept under
``var/test-artifacts/portal/``.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
#: Root in CI and here: Chromium's sandbox needs user namespaces a container rarely grants.
LAUNCH_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-extensions"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}
ARTIFACTS = Path(os.environ.get("JJJ_TEST_ARTIFACTS", "var/test-artifacts")) / "portal"
_AXE = Axe()
_SERIOUS = {"serious", "critical"}


@dataclass
class Chromium:
    loop: asyncio.AbstractEventLoop
    playwright: Playwright
    browser: Browser

    def run(self, work: Callable[[], Awaitable[T]], timeout: float = 180) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(_call(work), self.loop)
        return future.result(timeout=timeout)

    async def context(self, base_url: str, viewport: str = "desktop", lang: str = "zh") -> BrowserContext:
        context = await self.browser.new_context(
            base_url=base_url,
            viewport=VIEWPORTS[viewport],  # type: ignore[arg-type]
            locale="zh-CN" if lang == "zh" else "en-GB",
            accept_downloads=True,
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(20_000)
        return context


async def _call(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


def start_chromium() -> tuple[Chromium, threading.Thread]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="chromium")
    thread.start()

    async def launch() -> Chromium:
        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        return Chromium(loop, playwright, browser)

    return asyncio.run_coroutine_threadsafe(launch(), loop).result(timeout=120), thread


def stop_chromium(chromium: Chromium, thread: threading.Thread) -> None:
    async def close() -> None:
        await chromium.browser.close()
        await chromium.playwright.stop()

    asyncio.run_coroutine_threadsafe(close(), chromium.loop).result(timeout=60)
    chromium.loop.call_soon_threadsafe(chromium.loop.stop)
    thread.join(timeout=10)
    chromium.loop.close()


@dataclass(frozen=True)
class PageCheck:
    name: str
    lang: str
    viewport: str
    overflow_px: int
    violations: list[str]
    screenshot: Path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


async def check_page(page: Page, name: str, lang: str, viewport: str) -> PageCheck:
    """The page as it is now: its language, its overflow, its serious accessibility problems, a screenshot."""
    html_lang = await page.evaluate("document.documentElement.lang")
    assert html_lang == HTML_LANG[lang], f"{name} ({lang}): lang={html_lang!r}"
    overflow = await page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
    )
    results = await _AXE.run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in _SERIOUS
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{_safe(name)}-{lang}-{viewport}.png"
    await page.screenshot(path=str(shot), full_page=True)
    return PageCheck(name, lang, viewport, int(overflow), violations, shot)


def assert_checks(checks: list[PageCheck]) -> None:
    problems = [
        f"{c.name} [{c.lang} {c.viewport}]: " + (f"overflows by {c.overflow_px}px; " if c.overflow_px > 0 else "")
        + "; ".join(c.violations)
        for c in checks
        if c.overflow_px > 0 or c.violations
    ]  # fmt: skip
    assert not problems, "\n".join(problems)


async def each_variant(
    chromium: Chromium,
    base_url: str,
    name: str,
    open_page: Callable[[BrowserContext, str], Awaitable[Page]],
    storage_state: Any = None,
) -> list[PageCheck]:
    """The page in both languages at both sizes, in four contexts at once (sharing a session's cookies if given)."""

    async def one(lang: str, viewport: str) -> PageCheck:
        context = await chromium.browser.new_context(
            base_url=base_url, viewport=VIEWPORTS[viewport],  # type: ignore[arg-type]
            locale="zh-CN" if lang == "zh" else "en-GB", storage_state=storage_state, timezone_id="Asia/Shanghai",
        )  # fmt: skip
        try:
            page = await open_page(context, lang)
            return await check_page(page, name, lang, viewport)
        finally:
            await context.close()

    return list(await asyncio.gather(*(one(lang, vp) for lang in LANGS for vp in VIEWPORTS)))
