"""The own-report form: sign in once, ask, and the three-region report opens in the browser (without JavaScript)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from broker.account.appkeys import REPORT_LIST
from broker.audit.appkeys import AUDIT
from broker.web.appkeys import ACCOUNTS
from merge.identifiers import parse_subject
from merge.regions import Region
from tests.broker.conftest import CLEAN_ENTERPRISE, ENTERPRISE, PERSON, Nodes, sign_in

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

FORM = {"edition": "standard", "window_years": "3", "purpose": "bidding"}
_REPORT_PAGE = re.compile(r"/account/reports/(JJJ-\d{8}-\d{6})$")


async def test_signed_in_enterprise_gets_its_report_page(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    page = await (await client.get("/account/report")).text()
    assert f'value="{ENTERPRISE}"' in page  # a USCC is public: the form comes filled in
    response = await client.post(
        "/account/report", data={**FORM, "subject": ENTERPRISE, "csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 303
    number = _REPORT_PAGE.search(response.headers["Location"])
    assert number is not None
    html = await (await client.get(response.headers["Location"])).text()
    assert number.group(1) in html
    assert 'id="verification-code"' in html
    assert html.count("条记录") >= 3  # every region reported records for this subject
    assert f"/v1/reports/{number.group(1)}.json?code=" in html
    assert 'src="data:image/png;base64,' in html  # the QR code, inline as data: (the CSP allows no other)
    for region in Region:
        # The records by region, as each region sent them (decision numbers from tests/broker/conftest.py).
        assert f"{region.value[:2]}罚〔" in html
        assert region.display_name in html
    assert "answered" not in html  # statuses by their label, never the code


async def test_only_your_own_report(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    response = await client.post("/account/report", data={**FORM, "subject": CLEAN_ENTERPRISE, "csrf_token": csrf})
    assert response.status == 403
    html = await response.text()
    assert 'id="f-subject"' in html
    assert 'aria-invalid="true"' in html
    assert "只能申请本人的报告" in html
    assert f'value="{CLEAN_ENTERPRISE}"' in html  # what was typed is kept


async def test_form_needs_the_csrf_token(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client, ENTERPRISE)
    response = await client.post("/account/report", data={**FORM, "subject": ENTERPRISE, "csrf_token": "forged"})
    assert response.status == 403


async def test_person_types_their_number_and_never_sees_it_echoed(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, PERSON)
    page = await (await client.get("/account/report")).text()
    assert PERSON not in page
    assert 'value="going_abroad"' in page
    assert 'value="listing"' not in page
    assert 'value="financing"' not in page
    data = {**FORM, "edition": "person", "purpose": "going_abroad", "subject": PERSON, "csrf_token": csrf}
    response = await client.post("/account/report", data=data)
    assert response.status == 200
    html = await response.text()
    assert PERSON not in html
    assert PERSON[:6] + "********" + PERSON[-4:] in html


async def test_bad_field_is_named_and_the_form_keeps_what_was_typed(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, ENTERPRISE)
    data = {**FORM, "window_years": "4", "purpose": "listing", "subject": ENTERPRISE, "csrf_token": csrf}
    response = await client.post("/account/report", data=data)
    assert response.status == 422
    html = await response.text()
    assert 'id="f-window_years" aria-invalid="true"' in html
    assert 'href="#f-window_years"' in html  # the error summary leads to the field
    assert 'value="listing" selected' in html


async def test_a_purpose_of_the_other_kind_is_refused(broker_factory: Factory) -> None:
    client = await broker_factory()
    csrf = await sign_in(client, PERSON)
    data = {**FORM, "edition": "person", "purpose": "listing", "subject": PERSON, "csrf_token": csrf}
    response = await client.post("/account/report", data=data)
    assert response.status == 422
    assert 'id="f-purpose" name="purpose" aria-invalid="true"' in await response.text()


async def test_a_region_down_asks_first_then_issues_incomplete_only_when_accepted(
    broker_factory: Factory, nodes: Nodes
) -> None:
    client = await broker_factory(request_deadline_s=1.0)
    csrf = await sign_in(client, ENTERPRISE)
    await nodes.stop(Region.HEBEI)
    data = {**FORM, "subject": ENTERPRISE, "csrf_token": csrf}
    asked = await client.post("/account/report", data=data, allow_redirects=False)
    assert asked.status == 200
    html = await asked.text()
    assert 'data-region="130000" data-state="failed"' in html
    assert 'data-region="110000" data-state="answered"' in html
    assert 'id="choice" class="warn-box">' in html  # the choice is shown (not hidden)
    ref = client.app[ACCOUNTS].ref(parse_subject(ENTERPRISE))
    assert await client.app[REPORT_LIST].entries(ref) == []  # nothing issued …
    entries = await client.app[AUDIT].entries_for_subject(ref, count=5)
    assert entries[0].outcome == "failed:regions_unanswered"  # … but the query is in the subject's history
    taken = await client.post("/account/report", data={**data, "accept_incomplete": "1"}, allow_redirects=False)
    assert taken.status == 303
    report = await (await client.get(taken.headers["Location"])).text()
    assert "本报告不完整：不得作为无违法违规证明使用" in report
    assert len(await client.app[REPORT_LIST].entries(ref)) == 1
