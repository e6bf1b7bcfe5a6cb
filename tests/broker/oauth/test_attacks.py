"""The authorization server under attack (issue 10): what a third party, or anyone on the network, tries.

Each test is one attack; each failed on the code before the fix (the closing note says what it answered then).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from broker.web.appkeys import ACCOUNTS, CLIENTS
from consent.grant_store import RedisConsentStore
from merge.identifiers import parse_subject
from tests.broker.conftest import ENTERPRISE
from tests.broker.oauth.test_rules import authorize_url, basic, get_code, redeem, report_with, setup
from tests.broker.oauth_helpers import REDIRECT, base, new_verifier, query_of

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


async def test_failed_client_authentication_does_not_consume_the_code(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    code = await get_code(client, verifier)
    status, body = await redeem(client, "a-guessed-secret", code, verifier)
    assert (status, body["error"]) == (401, "invalid_client")
    status, token = await redeem(client, secret, code, verifier)
    assert status == 200, token


async def test_a_replay_that_fails_client_authentication_revokes_nothing(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    verifier = new_verifier()
    code = await get_code(client, verifier, max_uses="3")
    status, token = await redeem(client, secret, code, verifier)
    assert status == 200
    # Someone who saw the code (a proxy log, the browser history) replays it without the client's secret.
    status, body = await redeem(client, "a-guessed-secret", code, verifier)
    assert (status, body["error"]) == (401, "invalid_client")
    assert (await report_with(client, token["access_token"])).status == 200


async def test_another_client_can_neither_burn_nor_revoke_a_code(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    _, other_secret = await client.app[CLIENTS].add("other-bank", "另一家银行", [REDIRECT], ["report:standard"])
    assert other_secret is not None
    verifier = new_verifier()
    code = await get_code(client, verifier, max_uses="3")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    stolen = await client.post("/oauth/token", data=form, headers=basic("other-bank", other_secret))
    assert stolen.status == 400
    assert (await stolen.json())["error"] == "invalid_grant"
    status, token = await redeem(client, secret, code, verifier)  # the code was not burnt
    assert status == 200, token
    replay = await client.post("/oauth/token", data=form, headers=basic("other-bank", other_secret))
    assert replay.status == 400
    assert (await report_with(client, token["access_token"])).status == 200  # and nothing was revoked


async def _token_and_grant(client: TestClient, secret: str, max_uses: str = "3") -> tuple[str, str]:  # type: ignore[type-arg]
    verifier = new_verifier()
    status, token = await redeem(client, secret, await get_code(client, verifier, max_uses=max_uses), verifier)
    assert status == 200
    introspected = await client.post(
        "/oauth/introspect", data={"token": token["access_token"]}, headers=basic("demo-bank", secret)
    )
    body = await introspected.json()
    assert body["active"] is True
    return token["access_token"], body["grant_id"]


async def _introspect(client: TestClient, secret: str, access: str) -> dict[str, object]:  # type: ignore[type-arg]
    response = await client.post("/oauth/introspect", data={"token": access}, headers=basic("demo-bank", secret))
    assert response.status == 200
    body: dict[str, object] = await response.json()
    return body


async def test_introspection_says_inactive_once_the_grant_is_revoked_or_paused(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    csrf = (await (await client.get("/v1/me")).json())["csrf_token"]
    for action in ("pause", "revoke"):
        access, grant_id = await _token_and_grant(client, secret)
        changed = await client.post(f"/v1/grants/{grant_id}/{action}", headers={"X-CSRF-Token": csrf})
        assert changed.status == 200
        assert await _introspect(client, secret, access) == {"active": False}, action


async def test_introspection_says_inactive_once_the_grant_is_used_up(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    access, _ = await _token_and_grant(client, secret, max_uses="1")
    assert (await report_with(client, access)).status == 200
    assert await _introspect(client, secret, access) == {"active": False}


async def test_introspection_says_inactive_once_the_grant_expired(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    secret = await setup(client)
    access, grant_id = await _token_and_grant(client, secret)
    # Time passes: the grant's end moves into the past, in the artefact and where the use script reads it.
    key = RedisConsentStore(redis_client, redis_prefix).key(grant_id)
    artefact = json.loads(await redis_client.hget(key, "artefact"))
    artefact["valid_from"], artefact["valid_until"] = "2019-12-01T00:00:00Z", "2020-01-01T00:00:00Z"
    fields = {"artefact": json.dumps(artefact), "valid_from": 1575158400, "valid_until": 1577836800}
    await redis_client.hset(key, mapping=fields)
    assert await _introspect(client, secret, access) == {"active": False}


async def test_revocation_answers_alike_for_an_unknown_token_and_another_clients(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    access, _ = await _token_and_grant(client, secret)
    _, other_secret = await client.app[CLIENTS].add("other-bank", "另一家银行", [REDIRECT], ["report:standard"])
    assert other_secret is not None
    auth = basic("other-bank", other_secret)
    theirs = await client.post("/oauth/revoke", data={"token": access}, headers=auth)
    unknown = await client.post("/oauth/revoke", data={"token": "not-a-token"}, headers=auth)
    assert (theirs.status, await theirs.read()) == (unknown.status, await unknown.read())
    assert theirs.status == 200
    assert (await report_with(client, access)).status == 200  # and the other client's token still works


async def test_metadata_ignores_the_host_header(broker_factory: Factory) -> None:
    client = await broker_factory()
    issuer = base(client)
    response = await client.get("/.well-known/oauth-authorization-server", headers={"Host": "evil.example"})
    meta = await response.json()
    assert meta["issuer"] == issuer
    assert all(
        not isinstance(value, str) or not value.startswith("http") or value.startswith(issuer)
        for value in meta.values()
    )


async def test_authorization_responses_name_the_configured_issuer_whatever_the_host(broker_factory: Factory) -> None:
    client = await broker_factory()
    await setup(client)
    async with aiohttp.ClientSession() as session:
        # No PKCE challenge: an error redirect to the client, which carries iss (RFC 9207).
        response = await session.get(
            base(client) + authorize_url(None), headers={"Host": "localhost:1"}, allow_redirects=False
        )
        location = response.headers.get("Location", "")
    assert response.status == 302
    assert query_of(location)["iss"] == base(client)


async def test_each_third_party_gets_its_own_subject_identifier(broker_factory: Factory) -> None:
    client = await broker_factory()
    secret = await setup(client)
    _, other_secret = await client.app[CLIENTS].add("other-bank", "另一家银行", [REDIRECT], ["report:standard"])
    assert other_secret is not None

    async def sub_for(client_id: str, client_secret: str) -> str:
        verifier = new_verifier()
        code = await get_code(client, verifier, client_id=client_id)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
        token = await (await client.post("/oauth/token", data=form, headers=basic(client_id, client_secret))).json()
        introspected = await client.post(
            "/oauth/introspect", data={"token": token["access_token"]}, headers=basic(client_id, client_secret)
        )
        claims = await introspected.json()
        payload = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[1] + "=="))
        assert payload["sub"] == claims["sub"]
        value: str = claims["sub"]
        return value

    mine, again = await sub_for("demo-bank", secret), await sub_for("demo-bank", secret)
    theirs = await sub_for("other-bank", other_secret)
    assert mine == again  # stable for one client …
    assert mine != theirs  # … but two clients cannot link their subjects
    broker_wide = client.app[ACCOUNTS].ref(parse_subject(ENTERPRISE))
    assert broker_wide not in (mine, theirs)  # never the broker-wide subject key
