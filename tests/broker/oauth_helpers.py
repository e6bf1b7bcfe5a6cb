"""Helpers for the OAuth tests: a third party driven by authlib's own httpx client, a browser (the aiohttp test
client, holding the subject's session cookie) that approves on the consent screen."""

from __future__ import annotations

import html
import re
import secrets
import warnings
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient

from broker.web.appkeys import CLIENTS

REDIRECT = "http://127.0.0.1:9/callback"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def oauth_client_class() -> Any:
    # authlib's httpx integration warns about its httpx compatibility shim when imported; not our code.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    return AsyncOAuth2Client


def base(client: TestClient) -> str:  # type: ignore[type-arg]
    return str(client.make_url("")).rstrip("/")


async def register_bank(
    client: TestClient,  # type: ignore[type-arg]
    scopes: tuple[str, ...] = ("report:standard", "report:person"),
    jwks: dict[str, Any] | None = None,
    client_id: str = "demo-bank",
) -> str | None:
    _, secret = await client.app[CLIENTS].add(client_id, "示例银行", [REDIRECT], list(scopes), jwks=jwks)
    return secret


def bank(client: TestClient, secret: str | None, scope: str = "report:standard", **kwargs: Any) -> Any:  # type: ignore[type-arg]
    cls = oauth_client_class()
    return cls("demo-bank", secret, redirect_uri=REDIRECT, scope=scope, code_challenge_method="S256", **kwargs)


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


async def consent(browser: TestClient, url: str, decision: str = "approve", **extra: str) -> str:  # type: ignore[type-arg]
    """Open the authorization URL in the signed-in browser, submit the consent form; the redirect Location."""
    parts = urlsplit(url)
    page = await browser.get(parts.path + "?" + parts.query, allow_redirects=False)
    assert page.status == 200, await page.text()
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(await page.text())}
    response = await browser.post(
        "/oauth/authorize", data={**fields, "decision": decision, **extra}, allow_redirects=False
    )
    assert response.status == 302, await response.text()
    return response.headers["Location"]


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
