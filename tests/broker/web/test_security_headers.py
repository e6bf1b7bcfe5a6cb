"""Security headers (issue 10, point 6): a strict Content-Security-Policy on every HTML page, nosniff and
Referrer-Policy everywhere, HSTS when the public address is HTTPS; no inline script or style in any template."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from importlib import resources

import pytest
from aiohttp.test_utils import TestClient

from tests.broker.conftest import sign_in

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

PAGES = ["/signin", "/account", "/verify", "/verify?code=0000-0000-0000-0000-0", "/nope"]


def directives(policy: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


async def test_every_html_page_has_a_strict_policy(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    for path in PAGES[:-1]:
        response = await client.get(path, allow_redirects=False)
        assert response.content_type == "text/html", path
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["default-src"] == ["'none'"], path
        for kind in ("script-src", "style-src"):
            assert "'unsafe-inline'" not in policy[kind], (path, kind)
            assert all(source == "'self'" or source.startswith("'nonce-") for source in policy[kind]), path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP on loopback


async def test_nonces_differ_per_response(broker_factory: Factory) -> None:
    client = await broker_factory()
    first = (await client.get("/signin")).headers["Content-Security-Policy"]
    second = (await client.get("/signin")).headers["Content-Security-Policy"]
    assert first != second


async def test_json_answers_are_not_sniffed_either(broker_factory: Factory) -> None:
    client = await broker_factory()
    for path in ("/healthz", "/nope", "/v1/me"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


async def test_hsts_when_the_public_address_is_https(broker_factory: Factory) -> None:
    client = await broker_factory(public_base_url="https://credit.example.gov.cn")
    response = await client.get("/signin")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_the_stylesheet_is_served_from_here(broker_factory: Factory) -> None:
    client = await broker_factory()
    css = await client.get("/static/portal.css")
    assert css.status == 200
    assert css.content_type == "text/css"
    for bad in ("../settings.py", "..%2Fsettings.py", "portal.py", ".hidden.css"):
        assert (await client.get(f"/static/{bad}")).status == 404, bad


@pytest.mark.parametrize("template", sorted(p.name for p in (resources.files("broker.web") / "templates").iterdir()))
def test_no_template_has_inline_script_or_style(template: str) -> None:
    text = (resources.files("broker.web") / "templates" / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*nonce=)", text), template
    assert not re.search(r"<style(?![^>]*nonce=)", text), template
    assert not re.search(r"\son[a-z]+\s*=", text), template  # onclick= and friends
    assert not re.search(r"\sstyle\s*=", text), template
