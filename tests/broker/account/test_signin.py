"""Sign-in once: built-in accounts, Redis sessions, cookie flags, CSRF on the form, rate limit."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from broker.web.appkeys import ACCOUNTS
from merge.identifiers import parse_subject
from tests.broker.conftest import ENTERPRISE, PASSWORD, PERSON, sign_in

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def form_token(client: TestClient) -> str:  # type: ignore[type-arg]
    match = _CSRF.search(await (await client.get("/signin")).text())
    assert match is not None
    return match.group(1)


async def attempt(client: TestClient, subject: str, password: str, csrf: str | None = None):  # type: ignore[no-untyped-def, type-arg]
    token = csrf if csrf is not None else await form_token(client)
    return await client.post(
        "/signin", data={"subject": subject, "password": password, "csrf_token": token}, allow_redirects=False
    )


async def test_sign_in_sets_a_safe_session_cookie(broker_factory: Factory, redis_client: aioredis.Redis) -> None:
    client = await broker_factory()
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    response = await attempt(client, ENTERPRISE, PASSWORD)
    assert response.status == 303
    assert response.headers["Location"] == "/account"
    cookie = next(h for h in response.headers.getall("Set-Cookie") if h.startswith("jjj_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # loopback only; elsewhere Secure is set
    me = await (await client.get("/v1/me")).json()
    assert me["subject"] == ENTERPRISE
    assert me["name"] == "示例公司"


async def test_wrong_password_and_unknown_account_look_alike(broker_factory: Factory) -> None:
    client = await broker_factory()
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    wrong = await attempt(client, ENTERPRISE, "not the password at all")
    unknown = await attempt(client, "91110105MA01ABCD13", PASSWORD)
    assert wrong.status == unknown.status == 401
    assert "账号或密码不正确" in await wrong.text()
    assert "账号或密码不正确" in await unknown.text()
    assert (await client.get("/v1/me")).status == 401


async def test_sign_in_form_needs_its_csrf_token(broker_factory: Factory) -> None:
    client = await broker_factory()
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    response = await attempt(client, ENTERPRISE, PASSWORD, csrf="forged")
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "csrf_failed"


async def from_address(client: TestClient, address: str, subject: str, password: str) -> aiohttp.ClientResponse:  # type: ignore[type-arg]
    """A sign-in attempt from another client address (a source address of our own on loopback)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        page = await session.get(client.make_url("/signin"))
        match = _CSRF.search(await page.text())
        assert match is not None
        response = await session.post(
            client.make_url("/signin"),
            data={"subject": subject, "password": password, "csrf_token": match.group(1)},
            allow_redirects=False,
        )
        await response.read()
        return response


async def test_an_address_that_keeps_failing_is_stopped(broker_factory: Factory) -> None:
    client = await broker_factory(signin_attempts_per_account=3)
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    for _ in range(3):
        assert (await attempt(client, ENTERPRISE, "wrong password!")).status == 401
    limited = await attempt(client, ENTERPRISE, "wrong password!")
    assert limited.status == 429
    assert (await limited.json())["error"]["code"] == "too_many_attempts"


async def test_an_attackers_failures_never_lock_the_owner_out(broker_factory: Factory) -> None:
    # A USCC is public: anyone can name the account. Twenty wrong passwords from an attacker's address …
    client = await broker_factory(signin_attempts_per_account=3)
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    for _ in range(20):
        assert (await from_address(client, "127.0.0.2", ENTERPRISE, "wrong password!")).status in (401, 429)
    # … and the owner, from its own address, still signs in.
    owner = await from_address(client, "127.0.0.3", ENTERPRISE, PASSWORD)
    assert owner.status == 303
    assert owner.headers["Location"] == "/account"


async def test_successful_sign_ins_do_not_count(broker_factory: Factory) -> None:
    client = await broker_factory(signin_attempts_per_account=3)
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    for _ in range(10):
        assert (await attempt(client, ENTERPRISE, PASSWORD)).status == 303


async def test_an_invalid_account_name_touches_no_counter(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    assert (await attempt(client, "not-an-identifier" * 20, "x")).status == 422
    assert [k async for k in redis_client.scan_iter(match=f"{redis_prefix}signin:*")] == []


async def test_person_sees_only_the_masked_resident_id_on_failure(broker_factory: Factory) -> None:
    client = await broker_factory()
    response = await attempt(client, PERSON, "wrong password!")
    text = await response.text()
    assert PERSON not in text
    assert "110105********1239" in text


async def test_sign_out_ends_the_session_in_redis(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client)
    response = await client.post("/signout", data={"csrf_token": csrf}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/v1/me")).status == 401


async def test_passwords_are_stored_as_scrypt_hashes(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    await client.app[ACCOUNTS].add(parse_subject(PERSON), "张三", PASSWORD)
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}account:*")]
    row = await redis_client.hgetall(keys[0])
    assert row[b"password"].startswith(b"scrypt$32768$8$1$")
    assert PASSWORD.encode() not in b"".join(row.values())
    assert PERSON.encode() not in b"".join([keys[0], *row.values()])


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "\x00//evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
async def test_sign_in_only_ever_follows_a_local_path(broker_factory: Factory, target: str) -> None:
    # Checked after the normalisation a browser applies (tabs and newlines removed, backslashes as slashes,
    # percent-encoding decoded): nothing that a browser would take to another site.
    client = await broker_factory()
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    form = {"subject": ENTERPRISE, "password": PASSWORD, "csrf_token": await form_token(client), "next": target}
    response = await client.post("/signin", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["/account", "/oauth/authorize?client_id=demo-bank&scope=report%3Astandard"])
async def test_sign_in_follows_a_local_next(broker_factory: Factory, target: str) -> None:
    client = await broker_factory()
    await client.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例公司", PASSWORD)
    form = {"subject": ENTERPRISE, "password": PASSWORD, "csrf_token": await form_token(client), "next": target}
    response = await client.post("/signin", data=form, allow_redirects=False)
    assert unquote(response.headers["Location"]) == unquote(target)  # aiohttp may normalise %3A to ":"
