"""OIDC sign-in end to end against a small OpenID provider started here (a stand-in for the identity platform):
discovery, JWKS, an authorize endpoint that redirects back, a token endpoint (client_secret_basic, PKCE) that
signs ID tokens. A good sign-in opens a session; a bad ID token or a forged state opens none."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from tests.broker.conftest import ENTERPRISE

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
CLIENT_ID, CLIENT_SECRET = "jjj-broker", "idp secret/with:odd chars"


@dataclass
class Provider:
    issuer: str = ""
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": "idp-1"}))
    #: What the next ID token gets wrong (claim overrides; None removes the claim) or whom it is signed by.
    overrides: dict[str, Any] = field(default_factory=dict)
    sign_with: ECKey | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    discovery_fetches: int = 0

    async def discovery(self, request: web.Request) -> web.Response:
        self.discovery_fetches += 1
        return web.json_response({
            "issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        })  # fmt: skip

    async def jwks(self, request: web.Request) -> web.Response:
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        assert (q["client_id"], q["response_type"], q["code_challenge_method"]) == (CLIENT_ID, "code", "S256")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
        raise web.HTTPFound(q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]}))

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        login, _, password = base64.b64decode(encoded).decode().partition(":")
        if scheme != "Basic" or (unquote_plus(login), unquote_plus(password)) != (CLIENT_ID, CLIENT_SECRET):
            return web.json_response({"error": "invalid_client"}, status=401)
        issued = self.codes.pop(str(form["code"]), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if issued is None or issued["challenge"] != challenge or issued["redirect_uri"] != form["redirect_uri"]:
            return web.json_response({"error": "invalid_grant"}, status=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "idp-user-1", "iat": now, "exp": now + 300,
                  "nonce": issued["nonce"], "uscc": ENTERPRISE, "name": "天津滨海示例科技有限公司"}  # fmt: skip
        claims.update(self.overrides)
        signed = jwt.encode(
            {"alg": "ES256", "kid": "idp-1"},
            {k: v for k, v in claims.items() if v is not None},
            self.sign_with or self.key,
        )
        return web.json_response({"access_token": "opaque", "token_type": "Bearer", "id_token": signed})


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    idp = Provider()
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", idp.discovery)
    app.router.add_get("/jwks", idp.jwks)
    app.router.add_get("/authorize", idp.authorize)
    app.router.add_post("/token", idp.token)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    idp.issuer = f"http://127.0.0.1:{port}"
    yield idp
    await runner.cleanup()


async def oidc_broker(broker_factory: Factory, provider: Provider) -> TestClient:  # type: ignore[type-arg]
    return await broker_factory(oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET)


async def browse(client: TestClient, *, forge_state: bool = False) -> aiohttp.ClientResponse:  # type: ignore[type-arg]
    """The browser: start at the broker, follow it to the platform, come back to the callback."""
    start = await client.get("/signin/oidc?next=/account", allow_redirects=False)
    assert start.status == 302, await start.text()
    async with aiohttp.ClientSession() as platform:
        answer = await platform.get(start.headers["Location"], allow_redirects=False)
        assert answer.status == 302
    back = urlsplit(answer.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if forge_state:
        query["state"] = secrets.token_urlsafe(24)
    return await client.get(back.path + "?" + urlencode(query), allow_redirects=False)


async def sessions(redis: aioredis.Redis, prefix: str) -> list[bytes]:
    return [key async for key in redis.scan_iter(match=f"{prefix}session:*")]


async def test_sign_in_through_the_platform_opens_a_session(
    broker_factory: Factory, provider: Provider, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await oidc_broker(broker_factory, provider)
    page = await (await client.get("/signin")).text()
    assert "统一身份认证平台登录" in page
    response = await browse(client)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/account"
    me = await client.get("/v1/me")
    assert me.status == 200
    body = await me.json()
    assert (body["subject"], body["kind"], body["name"]) == (ENTERPRISE, "enterprise", "天津滨海示例科技有限公司")
    assert len(await sessions(redis_client, redis_prefix)) == 1
    # The discovery document is cached: a second sign-in does not fetch it again.
    client.session.cookie_jar.clear()
    assert (await browse(client)).status == 303
    assert provider.discovery_fetches == 1
    # The callback's state is single-use.
    assert (await client.get("/signin/oidc/callback?state=x&code=y", allow_redirects=False)).status == 401


@pytest.mark.parametrize(
    "wrong",
    ["nonce", "audience", "expired", "signature", "state"],
)
async def test_bad_sign_ins_open_no_session(
    broker_factory: Factory, provider: Provider, redis_client: aioredis.Redis, redis_prefix: str, wrong: str
) -> None:
    client = await oidc_broker(broker_factory, provider)
    if wrong == "nonce":
        provider.overrides = {"nonce": "another-nonce"}
    elif wrong == "audience":
        provider.overrides = {"aud": "someone-else"}
    elif wrong == "expired":
        provider.overrides = {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    elif wrong == "signature":
        provider.sign_with = ECKey.generate_key("P-256", parameters={"kid": "idp-1"})
    response = await browse(client, forge_state=wrong == "state")
    assert response.status == 401, await response.text()
    assert (await response.json())["error"]["code"] == "oidc_sign_in_refused"
    assert "jjj_session" not in {c.key for c in client.session.cookie_jar}
    assert (await client.get("/v1/me")).status == 401
    assert await sessions(redis_client, redis_prefix) == []


async def test_off_unless_configured(broker_factory: Factory) -> None:
    client = await broker_factory()
    assert "统一身份认证平台登录" not in await (await client.get("/signin")).text()
    assert (await client.get("/signin/oidc", allow_redirects=False)).status == 404
