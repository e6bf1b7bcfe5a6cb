"""Errors: a page for a browser (its language, the field at fault, the request id, never a trace), JSON for APIs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from broker.web.error_pages import wants_html

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_browser_gets_a_page_an_api_client_json(broker_factory: Factory) -> None:
    client = await broker_factory()
    page = await client.get("/no/such/page", headers={"Accept": BROWSER})
    assert page.status == 404
    assert page.content_type == "text/html"
    html = await page.text()
    assert "页面不存在" in html
    assert page.headers["X-Request-Id"] in html
    assert "Content-Security-Policy" in page.headers
    api = await client.get("/no/such/page")
    assert api.status == 404
    assert (await api.json())["error"]["code"] == "not_found"


async def test_the_page_speaks_the_browsers_language_and_names_the_field(broker_factory: Factory) -> None:
    client = await broker_factory()
    response = await client.get(
        "/v1/reports/JJJ-20260101-000001.json?code=nonsense", headers={"Accept": BROWSER, "Accept-Language": "en"}
    )
    assert response.status == 422
    html = await response.text()
    assert '<html lang="en">' in html
    assert "Field at fault: Verification code" in html


async def test_a_server_error_page_shows_no_trace(broker_factory: Factory) -> None:
    from broker.web import middleware

    client = await broker_factory()

    async def broken(request: object) -> object:
        raise RuntimeError("secret detail 110105199003071239")

    client.app.router._frozen = False  # add one failing route to the running test app
    client.app.router.add_get("/boom", broken)  # type: ignore[arg-type]
    page = await client.get("/boom", headers={"Accept": BROWSER})
    assert page.status == 500
    html = await page.text()
    assert "系统错误" in html
    assert "secret detail" not in html
    assert "Traceback" not in html
    assert middleware.REQUEST_ID_HEADER in page.headers


def test_negotiation_prefers_json_unless_html_is_named() -> None:
    class Request:
        def __init__(self, accept: str) -> None:
            self.headers = {"Accept": accept}

    assert wants_html(Request(BROWSER))  # type: ignore[arg-type]
    assert not wants_html(Request("*/*"))  # type: ignore[arg-type]
    assert not wants_html(Request("application/json"))  # type: ignore[arg-type]
    assert not wants_html(Request("application/json, text/html;q=0.5"))  # type: ignore[arg-type]
    assert not wants_html(Request(""))  # type: ignore[arg-type]
