"""One test per rule of the authorization server (issue 3, point 3), against the real app and real Redis."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from broker.web.appkeys import OAUTH
from consent.eddsa import eddsa_registry
from consent.grants import new_grant_id
from consent.oauth.models import AuthCode
from consent.oauth.tokens import new_code
from tests.broker.conftest import ENTERPRISE, sign_in
from tests.broker.oauth_helpers import REDIRECT, base, consent, new_verifier, query_of, register_bank

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
GOOD = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def authorize_url(verifier: str | None = "", **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "demo-bank",
        "redirect_uri": REDIRECT,
        "scope": "report:standard",
        "state": "s1",
        "code_challenge": create_s256_code_challenge(verifier) if verifier else None,
        "code_challenge_method": "S256",
        "purpose": "bidding",
    }
    params.update(overrides)
    return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


async def get_code(client: TestClient, verifier: str, **overrides: str) -> str:  # type: ignore[type-arg]
    return query_of(await consent(client, base(client) + authorize_url(verifier, **overrides)))["code"]


async def redeem(
    client: TestClient,  # type: ignore[type-arg]
    secret: str | None,
    code: str,
    verifier: str | None,
    **extra: str,
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    if verifier is not None:
        form["code_verifier"] = verifier
    headers = basic("demo-bank", secret) if secret else {}
    response = await client.post("/oauth/token", data=form, headers=headers)
    return response.status, await response.json()


async def setup(client: TestClient) -> str:  # type: ignore[type-arg]
    await sign_in(client)
    secret = await register_bank(client)
    assert secret is not None
    return secret


async def report_with(client: TestClient, token: str, body: dict[str, Any] | None = None) -> aiohttp.ClientResponse:  # type: ignore[type-arg]
    # A fresh cookie-less session: only the bearer token speaks.
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            base(client) + "/v1/reports", json=body or GOOD, headers={"Authorization": f"Bearer {token}"}
        )
        await response.read()
        return response


async def test_metadata_and_jwks(broker_factory: Factory) -> None:
    client = await broker_factory()
    meta = await (await client.get("/.well-known/oauth-authorization-server")).json()
    assert meta["issuer"] == base(client)
    assert meta["grant_types_supported"] == ["authorization_code"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "private_key_jwt"}
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert {"report:standard", "report:administrative", "report:listing", "report:person"} <= set(
        meta["scopes_supported"]
    )
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"]
    assert all(k["kty"] == "OKP" for k in jwks["keys"])


async def test_plain_pkce_is_rejected(broker_factory: Factory) -> None:
    client = await broker_factory()
    await setup(client)
    verifier = new_verifier()
    response = await client.get(
        authorize_url(None, code_challenge=verifier, code_challenge_method="plain"), allow_redirects=False
    )
    assert response.status == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request"
    assert params["iss"] == base(client)


async def test_missing_challenge_is_rejected(broker_factory: Factory) -> None:
    client = await broker_factory()
    await setup(client)
    response = await client.get(authorize_url(None), allow_redirects=False)
    assert response.status == 302
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


async def test_verifier_without_challenge_is_rejected(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    # No authorization request can produce such a code (the challenge is required), so store one directly.
    grant_id = new_grant_id()
    code = new_code(grant_id)
    await client.app[OAUTH].store.save_code(
        code,
        AuthCode("demo-bank", REDIRECT, "report:standard", "ref", grant_id, "", "", int(time.time())),
    )
    status, body = await redeem(client, secret, code, new_verifier())
    assert status == 400
    assert body["error"] == "invalid_request"


async def test_wrong_verifier_is_invalid_grant(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    code = await get_code(client, new_verifier())
    status, body = await redeem(client, secret, code, new_verifier())
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_redirect_uri_must_match_exactly(broker_factory: Factory) -> None:
    client = await broker_factory()
    await setup(client)
    for uri in (REDIRECT + "/", REDIRECT + "?x=1", REDIRECT.replace("127.0.0.1", "localhost")):
        response = await client.get(authorize_url(new_verifier(), redirect_uri=uri), allow_redirects=False)
        # Never redirected to an unregistered URI: an error page (RFC 6749 §4.1.2.1).
        assert response.status == 400, uri
        assert (await response.json())["error"] == "invalid_request"


async def test_implicit_grant_is_not_offered(broker_factory: Factory) -> None:
    client = await broker_factory()
    await setup(client)
    response = await client.get(authorize_url(new_verifier(), response_type="token"), allow_redirects=False)
    assert response.status == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == "unsupported_response_type"
    assert "access_token" not in response.headers["Location"]


async def test_password_grant_is_not_offered(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": ENTERPRISE, "password": "x"},
        headers=basic("demo-bank", secret),
    )
    assert response.status == 400
    assert (await response.json())["error"] == "unsupported_grant_type"


async def test_code_lives_at_most_60_seconds(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    await setup(client)
    await get_code(client, new_verifier())
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}oauth_code:*")]
    assert len(keys) == 1
    assert 0 < await redis_client.ttl(keys[0]) <= 60


async def test_second_redemption_fails_and_revokes_the_first_token(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    code = await get_code(client, verifier, max_uses="5")
    status, token = await redeem(client, secret, code, verifier)
    assert status == 200
    assert (await report_with(client, token["access_token"])).status == 200
    status, body = await redeem(client, secret, code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert (await report_with(client, token["access_token"])).status == 401
    introspected = await client.post(
        "/oauth/introspect", data={"token": token["access_token"]}, headers=basic("demo-bank", secret)
    )
    assert (await introspected.json()) == {"active": False}


async def test_fifty_concurrent_redemptions_exactly_one_succeeds(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    code = await get_code(client, verifier)
    results = await asyncio.gather(*(redeem(client, secret, code, verifier) for _ in range(50)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * 49
    assert {body["error"] for status, body in results if status == 400} == {"invalid_grant"}


async def test_client_secret_basic_wrong_secret_is_invalid_client(broker_factory: Factory) -> None:
    client = await broker_factory()
    await setup(client)
    verifier = new_verifier()
    code = await get_code(client, verifier)
    status, body = await redeem(client, "not-the-secret", code, verifier)
    assert (status, body["error"]) == (401, "invalid_client")
    # Secret in the body (client_secret_post) is not an accepted method either.
    status, body = await redeem(client, None, code, verifier, client_id="demo-bank", client_secret="x")
    assert body["error"] in {"invalid_client", "invalid_grant"}


async def test_private_key_jwt_client_authentication(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    key = ECKey.generate_key("P-256", parameters={"kid": "bank-1"})
    await register_bank(client, jwks=KeySet([key]).as_dict(private=False))
    verifier = new_verifier()
    code = await get_code(client, verifier)

    def assertion() -> str:
        now = int(time.time())
        claims = {"iss": "demo-bank", "sub": "demo-bank", "aud": base(client) + "/oauth/token",
                  "iat": now, "exp": now + 60, "jti": new_verifier()}  # fmt: skip
        return jwt.encode({"alg": "ES256", "kid": "bank-1"}, claims, key)

    signed = assertion()
    form = {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}
    status, token = await redeem(client, None, code, verifier, client_assertion=signed, **form)
    assert status == 200, token
    # The same assertion again is a replay (RFC 7523 §3 jti), refused.
    code2 = await get_code(client, verifier)
    status, body = await redeem(client, None, code2, verifier, client_assertion=signed, **form)
    assert (status, body["error"]) == (400, "invalid_client")


async def test_access_token_is_short_lived_jwt_for_the_api(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    status, token = await redeem(client, secret, await get_code(client, verifier), verifier)
    assert status == 200
    keys = client.app[OAUTH].config.verification_keys()
    claims = jwt.decode(token["access_token"], keys, registry=eddsa_registry())
    assert claims.header["typ"] == "at+jwt"
    assert claims.claims["aud"] == base(client) + "/v1"
    assert claims.claims["exp"] - claims.claims["iat"] <= 600
    assert "refresh_token" not in token


async def test_introspection_and_revocation(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    _status, token = await redeem(client, secret, await get_code(client, verifier, max_uses="3"), verifier)
    auth = basic("demo-bank", secret)
    active = await (await client.post("/oauth/introspect", data={"token": token["access_token"]}, headers=auth)).json()
    assert active["active"] is True
    assert active["scope"] == "report:standard"
    assert active["grant_id"].startswith("g_")
    revoked = await client.post("/oauth/revoke", data={"token": token["access_token"]}, headers=auth)
    assert revoked.status == 200
    assert (await report_with(client, token["access_token"])).status == 401
    after = await (await client.post("/oauth/introspect", data={"token": token["access_token"]}, headers=auth)).json()
    assert after == {"active": False}


async def test_token_only_within_its_grant(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    _status, token = await redeem(client, secret, await get_code(client, verifier, max_uses="5"), verifier)
    access = token["access_token"]
    for body, field in (
        ({**GOOD, "subject": "91110105MA01ABCD13"}, "subject"),
        ({**GOOD, "edition": "administrative"}, "edition"),
        ({**GOOD, "window_years": 5}, "window_years"),
        ({**GOOD, "purpose": "financing"}, "purpose"),
    ):
        response = await report_with(client, access, body)
        assert response.status == 403, body
        assert json.loads(await response.read())["error"]["field"] == field
    assert (await report_with(client, access)).status == 200
