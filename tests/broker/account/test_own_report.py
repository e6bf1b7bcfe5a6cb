"""The account page's own-report form: sign in once, get the three-region report in the browser."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tests.broker.conftest import CLEAN_ENTERPRISE, ENTERPRISE, PERSON, sign_in

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

FORM = {"edition": "standard", "window_years": "3", "purpose": "bidding"}


async def test_signed_in_enterprise_gets_its_report_from_the_account_page(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    page = await (await client.get("/account")).text()
    assert f'value="{ENTERPRISE}"' in page  # a USCC is public: the form comes filled in
    response = await client.post("/account/report", data={**FORM, "subject": ENTERPRISE, "csrf_token": csrf})
    assert response.status == 200
    html = await response.text()
    number = re.search(r"报告编号 (JJJ-\d{8}-\d{6})", html)
    assert number is not None
    assert "核验码" in html
    assert html.count("条记录") >= 3  # every region reported records for this subject
    assert f"/v1/reports/{number.group(1)}.json?code=" in html
    for region in ("北京市", "天津市", "河北省"):
        assert region in html


async def test_only_your_own_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    response = await client.post("/account/report", data={**FORM, "subject": CLEAN_ENTERPRISE, "csrf_token": csrf})
    assert response.status == 403
    assert "signed-in account" in await response.text()


async def test_form_needs_the_csrf_token(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client, ENTERPRISE)
    response = await client.post("/account/report", data={**FORM, "subject": ENTERPRISE, "csrf_token": "forged"})
    assert response.status == 403


async def test_person_types_their_number_and_never_sees_it_echoed(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, PERSON)
    page = await (await client.get("/account")).text()
    assert PERSON not in page
    data = {**FORM, "edition": "person", "subject": PERSON, "csrf_token": csrf}
    response = await client.post("/account/report", data=data)
    assert response.status == 200
    html = await response.text()
    assert PERSON not in html
    assert PERSON[:6] + "********" + PERSON[-4:] in html


async def test_bad_field_is_named(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    data = {**FORM, "window_years": "4", "subject": ENTERPRISE, "csrf_token": csrf}
    response = await client.post("/account/report", data=data)
    assert response.status == 422
    assert "window_years" in await response.text()
