"""An approval stores its grant and its authorization code together or not at all; revocations are audited."""

from __future__ import annotations

import html
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from redis.asyncio.cluster import RedisCluster

from broker.audit.appkeys import AUDIT
from broker.audit.entries import Action, AuditEntry
from broker.web.appkeys import ACCOUNTS, GRANTS
from merge.identifiers import parse_subject
from tests.broker.conftest import ENTERPRISE, sign_in
from tests.broker.oauth.test_rules import authorize_url, basic, redeem
from tests.broker.oauth_helpers import _HIDDEN, query_of, register_bank
from tests.conftest import open_test_redis

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


async def approve(client: TestClient, verifier: str = "v" * 50):  # type: ignore[no-untyped-def, type-arg]
    page = await client.get(authorize_url(verifier), allow_redirects=False)
    assert page.status == 200, await page.text()
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(await page.text())}
    return await client.post("/oauth/authorize", data={**fields, "decision": "approve"}, allow_redirects=False)


async def keys(redis: aioredis.Redis, pattern: str) -> list[bytes]:
    return [key async for key in redis.scan_iter(match=pattern)]


@pytest.fixture
async def no_code_writes(redis_prefix: str, redis_url: str) -> AsyncIterator[str]:
    """A Redis user that may do anything under this test's prefix except write authorization codes: a real
    server-side refusal of the approval's second write. Yields its URL (the user is made on every node of a
    cluster); the user is deleted afterwards."""
    client = open_test_redis(redis_url)
    await client.ping()
    nodes = (
        [(n.host, n.port) for n in client.get_nodes()] if isinstance(client, RedisCluster) else [("127.0.0.1", 6379)]
    )
    await client.aclose()
    admins = [aioredis.Redis(host=host, port=port) for host, port in nodes]
    user, password = f"jjjtest-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    p = redis_prefix
    for admin in admins:
        await admin.execute_command(  # type: ignore[no-untyped-call]
            "ACL", "SETUSER", user, "on", f">{password}", "+@all", f"%R~{p}*",
            f"~{p}[^o]*", f"~{p}oauth_[^c]*", f"~{p}oauth_c[^o]*",
        )  # fmt: skip
    try:
        scheme, rest = redis_url.split("://", 1)
        yield f"{scheme}://{user}:{password}@{rest}"
    finally:
        for admin in admins:
            await admin.execute_command("ACL", "DELUSER", user)  # type: ignore[no-untyped-call]
            await admin.aclose()


async def test_failure_of_the_code_write_leaves_no_grant(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str, no_code_writes: str
) -> None:
    client = await broker_factory(redis_url=no_code_writes)
    await sign_in(client)
    await register_bank(client)
    response = await approve(client)
    assert response.status == 503  # the store refused; nothing may be left behind
    assert await keys(redis_client, f"{redis_prefix}grant:*") == []
    assert await keys(redis_client, f"{redis_prefix}grants:*") == []
    assert await keys(redis_client, f"{redis_prefix}oauth_code:*") == []
    assert (await (await client.get("/v1/grants")).json())["grants"] == []
    ref = client.app[ACCOUNTS].ref(parse_subject(ENTERPRISE))
    entries = await client.app[AUDIT].entries_for_subject(ref)
    assert Action.CONSENT_GRANT not in [e.action for e in entries]


async def test_a_refused_grant_write_leaves_no_code(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    await sign_in(client)
    await register_bank(client)
    # The subject's grant index is, by accident, not a set: the grant cannot be indexed, so nothing is written.
    ref = client.app[ACCOUNTS].ref(parse_subject(ENTERPRISE))
    index = client.app[GRANTS].index_key(ref)  # type: ignore[attr-defined]
    await redis_client.set(index, "not a set")
    response = await approve(client)
    assert response.status == 409
    assert await keys(redis_client, f"{redis_prefix}grant:*") == []
    assert await keys(redis_client, f"{redis_prefix}oauth_code:*") == []
    await redis_client.delete(index)
    # With the index repaired the same approval goes through, grant and code together.
    response = await approve(client)
    assert response.status == 302
    assert "code" in query_of(response.headers["Location"])
    assert len(await keys(redis_client, f"{redis_prefix}grant:*")) == 1
    assert len(await keys(redis_client, f"{redis_prefix}oauth_code:*")) == 1


async def test_revocation_is_audited(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    secret = await register_bank(client)
    assert secret is not None
    verifier = "w" * 50
    response = await approve(client, verifier)
    code = query_of(response.headers["Location"])["code"]
    status, token = await redeem(client, secret, code, verifier)
    assert status == 200
    revoked = await client.post(
        "/oauth/revoke", data={"token": token["access_token"]}, headers=basic("demo-bank", secret)
    )
    assert revoked.status == 200
    ref = client.app[ACCOUNTS].ref(parse_subject(ENTERPRISE))
    entries = await client.app[AUDIT].entries_for_subject(ref)
    revocations = [e for e in entries if e.action == Action.TOKEN_REVOKE]
    assert len(revocations) == 1
    assert (revocations[0].actor, revocations[0].outcome, revocations[0].grantee) == (
        "client:demo-bank",
        "revoked",
        "demo-bank",
    )
    assert revocations[0].grant == token_grant(entries)
    # An unknown token revokes nothing and records nothing (RFC 7009 still answers 200).
    again = await client.post("/oauth/revoke", data={"token": "nonsense"}, headers=basic("demo-bank", secret))
    assert again.status == 200
    entries = await client.app[AUDIT].entries_for_subject(ref)
    assert len([e for e in entries if e.action == Action.TOKEN_REVOKE]) == 1


def token_grant(entries: list[AuditEntry]) -> str:
    return next(str(e.grant) for e in entries if e.action == Action.TOKEN_ISSUE)
