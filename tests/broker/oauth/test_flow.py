"""The whole authorization-code + PKCE flow, driven by authlib's own OAuth client (not our code), against the
real app, real nodes and real Redis — then a report fetched with the token."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from joserfc import jws

from tests.broker.conftest import ENTERPRISE, sign_in
from tests.broker.oauth_helpers import REDIRECT, bank, base, consent, new_verifier, query_of, register_bank

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
GOOD = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


@pytest.fixture(autouse=True)
def _loopback_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # authlib's *client* refuses http:// URLs unless told; the test server is plain HTTP on loopback.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


async def authorized_bank(client: TestClient, **terms: str) -> tuple[Any, dict[str, Any]]:  # type: ignore[type-arg]
    """Sign the subject in, let the bank ask, approve; returns the bank's client and its token."""
    await sign_in(client)
    secret = await register_bank(client)
    third_party = bank(client, secret)
    verifier = new_verifier()
    url, _state = third_party.create_authorization_url(
        base(client) + "/oauth/authorize", code_verifier=verifier, purpose="bidding", **terms
    )
    location = await consent(client, url)
    token = await third_party.fetch_token(
        base(client) + "/oauth/token", authorization_response=location, code_verifier=verifier
    )
    return third_party, token


async def test_authorization_code_pkce_flow_then_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    third_party, token = await authorized_bank(client, max_uses="2")
    try:
        assert token["token_type"].lower() == "bearer"
        assert 0 < token["expires_in"] <= 600
        header = jws.extract_compact(token["access_token"].encode()).protected
        claims = json.loads(jws.extract_compact(token["access_token"].encode()).payload)
        assert header["typ"] == "at+jwt"
        assert header["alg"] == "EdDSA"
        assert claims["aud"] == base(client) + "/v1"
        assert claims["iss"] == base(client)
        assert claims["exp"] - claims["iat"] <= 600
        assert ENTERPRISE not in json.dumps(claims)  # sub is the subject's HMAC, never the identifier

        response = await third_party.post(base(client) + "/v1/reports", json=GOOD)
        assert response.status_code == 200, response.text
        assert response.json()["complete"] is True
    finally:
        await third_party.aclose()

    # The subject sees the query in "who queried me", with the grantee and the grant.
    queries = (await (await client.get("/v1/me/queries")).json())["queries"]
    assert [q["grantee"] for q in queries] == ["示例银行"]
    assert queries[0]["grant"].startswith("g_")
    assert queries[0]["purpose"] == "bidding"


async def test_authorization_response_carries_iss_and_state(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    third_party = bank(client, await register_bank(client))
    url, state = third_party.create_authorization_url(
        base(client) + "/oauth/authorize", code_verifier=new_verifier(), purpose="bidding"
    )
    params = query_of(await consent(client, url))
    assert params["iss"] == base(client)  # RFC 9207
    assert params["state"] == state
    assert (await client.get("/.well-known/oauth-authorization-server")).status == 200
    await third_party.aclose()


async def test_denial_redirects_access_denied_with_iss(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    third_party = bank(client, await register_bank(client))
    url, _ = third_party.create_authorization_url(
        base(client) + "/oauth/authorize", code_verifier=new_verifier(), purpose="bidding"
    )
    location = await consent(client, url, decision="deny")
    assert location.startswith(REDIRECT)
    assert query_of(location)["error"] == "access_denied"
    assert query_of(location)["iss"] == base(client)
    assert (await (await client.get("/v1/grants")).json())["grants"] == []
    await third_party.aclose()
