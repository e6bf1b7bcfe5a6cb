"""The node's staff page over HTTP: sign-in (wrong password, CSRF), the list with overdue flags and indicators,
the decision (bad input 400, a second decision 409), and the ticket gauges."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.seed import demo_subjects, generate
from adapters.staff.accounts import StaffAccountError, StaffAccounts
from adapters.staff.app import create_staff_app
from adapters.staff.metrics import indicators
from adapters.store import SqlRecordStore
from adapters.ticket_models import TicketKind, TicketStatus
from adapters.tickets import TicketStore
from merge.identifiers import parse_subject
from merge.records import Penalty
from merge.regions import Region

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "staff-password-1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[TicketStore, Clock, str]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hebei.db'}"
    records = await SqlRecordStore.open(url, Region.HEBEI)
    await records.add_records(list(generate(Region.HEBEI, 2, 2026)))
    subject = parse_subject(demo_subjects(2026)[0].identifier)
    found = [r async for r in records.query(subject, date(2020, 1, 1), date(2026, 12, 31))]
    penalty = next(r for r in found if isinstance(r, Penalty))
    await records.close()
    clock = Clock()
    store = await TicketStore.open(url, Region.HEBEI, clock=clock)
    ticket = await store.file(subject, penalty.record_id, TicketKind.OBJECTION, field="content", current_value="",
                              proposed_value="更正", reason="有误")  # fmt: skip
    await StaffAccounts(store.engine).add("officer", PASSWORD)
    yield store, clock, ticket.ticket_id
    await store.close()


async def _records_held() -> int:
    return 100


async def test_staff_sign_in_list_and_decide(aiohttp_client: Any, setup: tuple[TicketStore, Clock, str]) -> None:
    store, clock, ticket_id = setup
    client = await aiohttp_client(create_staff_app(store, StaffAccounts(store.engine), _records_held))
    assert (await client.get("/", allow_redirects=False)).status == 303  # sign in first
    page = await (await client.get("/signin")).text()
    csrf = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    no_csrf = await client.post("/signin", data={"username": "officer", "password": PASSWORD})
    assert no_csrf.status == 400
    wrong = await client.post("/signin", data={"username": "officer", "password": "wrong-password", "csrf_token": csrf})
    assert wrong.status == 401
    signed = await client.post("/signin", allow_redirects=False,
                               data={"username": "officer", "password": PASSWORD, "csrf_token": csrf})  # fmt: skip
    assert signed.status == 303

    clock.now += timedelta(days=10)  # past the 5 working days
    listing = await (await client.get("/")).text()
    assert f'data-ticket="{ticket_id}"' in listing
    assert "已超期" in listing
    assert '<span class="overdue" id="overdue-count">1</span>' in listing
    assert (await client.get("/?status=bogus")).status == 400

    detail = await (await client.get(f"/tickets/{ticket_id}")).text()
    token = _CSRF.search(detail).group(1)  # type: ignore[union-attr]
    bad = await client.post(
        f"/tickets/{ticket_id}/decide", data={"decision": "maybe", "note": "x", "csrf_token": token}
    )
    assert bad.status == 400
    assert "decision" in await bad.text()
    no_note = await client.post(f"/tickets/{ticket_id}/decide", data={"decision": "reject", "csrf_token": token})
    assert no_note.status == 400
    decided = await client.post(f"/tickets/{ticket_id}/decide", allow_redirects=False,
                                data={"decision": "reject", "note": "记录无误", "csrf_token": token})  # fmt: skip
    assert decided.status == 303
    assert (await store.get(ticket_id)).status is TicketStatus.REJECTED
    again = await client.post(
        f"/tickets/{ticket_id}/decide", data={"decision": "accept", "note": "x", "csrf_token": token}
    )
    assert again.status == 409
    assert (await client.get("/tickets/nope")).status == 404

    metrics = await (await client.get("/metrics")).text()
    assert "jjj_node_tickets_open 0.0" in metrics
    assert "jjj_node_objection_rate 0.01" in metrics


async def test_indicators_and_accounts(setup: tuple[TicketStore, Clock, str]) -> None:
    store, clock, ticket_id = setup
    clock.now += timedelta(days=7)
    await store.decide(ticket_id, True, note="更正", staff="officer")
    values = indicators(await store.all(), 10_000)
    assert values.objection_rate == pytest.approx(0.0001)
    assert values.repair_approval_rate is None
    assert values.median_handling_working_days == 5.0  # Wed 2 Dec → Wed 9 Dec
    accounts = StaffAccounts(store.engine)
    assert await accounts.check("officer", PASSWORD)
    assert not await accounts.check("officer", "wrong-password")
    assert not await accounts.check("nobody", PASSWORD)
    with pytest.raises(StaffAccountError, match="exists"):
        await accounts.add("officer", PASSWORD)
    with pytest.raises(StaffAccountError, match="password"):
        await accounts.add("another", "short")
