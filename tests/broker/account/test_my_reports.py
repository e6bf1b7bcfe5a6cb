"""My reports: listed, re-opened by their owner, and sealed so that nothing at rest opens them."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from broker.account.appkeys import REPORT_LIST
from broker.account.vault import OwnerKey, derive_owner_key
from broker.web.appkeys import ACCOUNTS
from merge.identifiers import parse_subject
from tests.broker.conftest import CLEAN_ENTERPRISE, ENTERPRISE, PASSWORD, sign_in
from tests.broker.reports.test_store import dump

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
FORM = {"edition": "standard", "window_years": "3", "purpose": "bidding", "subject": ENTERPRISE}
_CODE = re.compile(r'id="verification-code">([0-9A-Z-]+)<')


async def issue(client: TestClient, csrf: str) -> tuple[str, str]:  # type: ignore[type-arg]
    response = await client.post("/account/report", data={**FORM, "csrf_token": csrf})
    assert response.status == 200
    html = await response.text()
    code = _CODE.search(html)
    assert code is not None
    return str(response.url).rsplit("/", 1)[1], code.group(1)


async def test_listed_and_reopened_after_signing_in_again(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    number, code = await issue(client, csrf)
    listing = await (await client.get("/account/reports")).text()
    assert number in listing
    assert "有效" in listing  # its status, read with the unsealed code
    await client.post("/signout", data={"csrf_token": csrf})
    assert (await client.get(f"/account/reports/{number}", allow_redirects=False)).status == 303
    await sign_in(client, ENTERPRISE)  # the same password gives the same owner key
    again = await (await client.get(f"/account/reports/{number}")).text()
    assert code in again


async def test_nothing_at_rest_opens_a_code(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    number, code = await issue(client, csrf)
    await client.post("/signout", data={"csrf_token": csrf})
    stored = await dump(redis_client, redis_prefix)
    assert code.encode() not in stored
    assert code.replace("-", "").encode() not in stored
    ref = client.app[ACCOUNTS].ref(parse_subject(ENTERPRISE))
    [entry] = await client.app[REPORT_LIST].entries(ref)
    assert entry.report_no == number
    salt = await redis_client.get(f"{redis_prefix}vault:salt:{ref}")
    assert salt is not None
    # With everything Redis holds, but not the password, the code stays sealed: a wrong password, a random key.
    assert entry.code(derive_owner_key("not the password", salt), ref) is None
    assert entry.code(OwnerKey(os.urandom(32)), ref) is None
    assert entry.code(derive_owner_key(PASSWORD, salt), ref) == code  # (the owner's own password opens it)
    # Signed out, no wrapped key of that session is left.
    assert [k async for k in redis_client.scan_iter(match=f"{redis_prefix}vault:session:*")] == []


async def test_another_account_cannot_open_my_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    number, _ = await issue(client, csrf)
    await client.post("/signout", data={"csrf_token": csrf})
    await sign_in(client, CLEAN_ENTERPRISE)
    assert (await client.get(f"/account/reports/{number}")).status == 404
    assert number not in await (await client.get("/account/reports")).text()
