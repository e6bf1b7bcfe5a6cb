"""The leak scan (issue 11): after a run that signs in, issues reports (JSON, HTML page, PDF), verifies and lets a
bank fetch with a token, no full resident ID is in any HTML page, the PDF's text, a log line or a Redis dump, and
no access token, session cookie or verification code is in a log line or a Redis dump."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
from collections.abc import Awaitable, Callable

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from adapters import logs
from merge.verification_code import normalise
from tests.broker.account.test_grants import bank_token
from tests.broker.conftest import PERSON, sign_in
from tests.broker.oauth.test_rules import report_with
from tests.broker.reports.test_store import dump
from tests.broker.verify.test_views import verify

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_no_identifier_token_or_code_leaks(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logs.quiet_libraries()  # what jjj serve and jjj adapter serve configure, whatever the level
    client = await broker_factory()
    pages: list[str] = []
    secrets: list[str] = []

    # A bank with a token fetches an enterprise's report.
    token, _ = await bank_token(client, max_uses="3")
    secrets.append(token)
    fetched = await report_with(client, token)
    assert fetched.status == 200
    secrets.append(normalise(fetched.headers["X-Verification-Code"]))

    # A person signs in and asks for the own report through the account page, as a browser does.
    await sign_in(client, PERSON, "张三")
    secrets.append(next(c.value for c in client.session.cookie_jar if c.key == "jjj_session"))
    account = await (await client.get("/account")).text()
    pages.append(account)
    form = {"csrf_token": _CSRF.search(account).group(1), "subject": PERSON, "edition": "person",  # type: ignore[union-attr]
            "window_years": "3", "purpose": "going_abroad"}  # fmt: skip
    page = await (await client.post("/account/report", data=form)).text()
    pages.append(page)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", page)
    assert code is not None
    secrets.append(normalise(code.group(0)))
    number = re.search(r"JJJ-\d{8}-\d{6}", page)
    assert number is not None
    pdf = await client.get(f"/v1/reports/{number.group(0)}.pdf", params={"code": code.group(0)})
    assert pdf.status == 200
    extracted = await asyncio.to_thread(
        subprocess.run, ["pdftotext", "-", "-"], input=await pdf.read(), capture_output=True, check=True
    )
    pdf_text = extracted.stdout.decode()
    status, _ = await verify(client, code.group(0))
    assert status == 200
    pages.append(await (await client.get("/verify", params={"code": code.group(0)})).text())

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    stored = (await dump(redis_client, redis_prefix)).decode(errors="replace")
    leaking = [
        f"{r.name}: {r.getMessage()[:200]}" for r in caplog.records if PERSON in f"{r.getMessage()} {r.__dict__}"
    ]
    assert not leaking, leaking
    for where, text in (*(("page", p) for p in pages), ("pdf", pdf_text), ("logs", logged), ("redis", stored)):
        assert PERSON not in text, where
    assert "110105********1239" in pdf_text  # the person's report shows the number masked
    for where, text in (("logs", logged), ("redis", stored)):
        for secret in secrets:
            assert secret not in text, (where, secret[:6])
