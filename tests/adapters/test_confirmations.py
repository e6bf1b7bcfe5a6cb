"""The node's department confirmations (:class:`adapters.confirmations.ConfirmationStore`) on a real SQLite
database: asked for by a query, decided once by the record's own department under its seal, reset when the record
changes, expired — never confirmed — when the due date passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.confirmations import ConfirmationRefused, ConfirmationStore
from adapters.seals import SealKeyMissing, SealKeys
from adapters.tickets import TicketStore
from merge.answer_document import wire_record
from merge.confirmations import ConfirmationInvalid, check_confirmations
from merge.identifiers import parse_subject
from merge.regions import Region
from tests.broker.conftest import AUTHORITY_NAME, AUTHORITY_USCC, CLEAN_ENTERPRISE, ENTERPRISE, penalty

SUBJECT = parse_subject(ENTERPRISE)
REF = "JJJ-20261203-000001"


class Clock:
    def __init__(self) -> None:
        # A Thursday in Beijing: five working days later is the next Thursday.
        self.now = datetime(2026, 12, 3, 2, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[ConfirmationStore]:
    tickets = await TicketStore.open(f"sqlite+aiosqlite:///{tmp_path / 'node.db'}", Region.TIANJIN)
    confirmations = ConfirmationStore(tickets.engine, Region.TIANJIN, SealKeys(tmp_path / "seals"), clock=clock)
    await confirmations.create_tables()
    department, _ = await confirmations.add_department(AUTHORITY_NAME[Region.TIANJIN], AUTHORITY_USCC[Region.TIANJIN])
    await confirmations.link_staff("clerk", department)
    yield confirmations
    await tickets.close()


def _records(**changes: object) -> list[object]:
    return [wire_record(penalty(Region.TIANJIN, 1, decided=date(2025, 6, 15), **changes))]


async def test_a_query_asks_once_and_states_pending_until_decided(store: ConfirmationStore) -> None:
    first = await store.state(REF, SUBJECT, "financial", _records())
    again = await store.state(REF, SUBJECT, "financial", _records())
    assert [c.status for c in first] == [c.status for c in again] == ["pending"]
    assert first[0].due_on == date(2026, 12, 10)  # five working days after Thursday 3 December
    (item,) = await store.listing({AUTHORITY_USCC[Region.TIANJIN]})
    assert item.record["decision_no"] == "ti罚〔2025〕1号"
    decided = await store.decide(item.confirmation_id, "clerk", annotation=None)
    assert (decided.status, decided.decided_by, len(decided.seal_key_id)) == ("confirmed", "clerk", 16)
    stated = await store.state(REF, SUBJECT, "financial", _records())
    assert stated[0].status == "confirmed"
    # What the node states verifies as the broker and any verifier check it.
    check_confirmations(stated, {"tianjin-1": _records()[0]}, region_code="120000", ref=REF,
                        subject=ENTERPRISE, edition="financial")  # fmt: skip
    with pytest.raises(ConfirmationInvalid):  # not for another report
        check_confirmations(stated, {"tianjin-1": _records()[0]}, region_code="120000", ref="JJJ-20261203-000002",
                            subject=ENTERPRISE, edition="financial")  # fmt: skip


async def test_a_record_changed_after_its_confirmation_is_asked_about_again(store: ConfirmationStore) -> None:
    await store.state(REF, SUBJECT, "financial", _records())
    (item,) = await store.listing(None)
    await store.decide(item.confirmation_id, "clerk", annotation="已整改")
    changed = await store.state(REF, SUBJECT, "financial", _records(content="罚款人民币6000元"))
    assert [(c.status, c.seal) for c in changed] == [("pending", None)]
    assert (await store.get(item.confirmation_id)).record["content"] == "罚款人民币6000元"


async def test_past_the_due_date_it_is_expired_and_can_no_longer_be_decided(
    store: ConfirmationStore, clock: Clock
) -> None:
    await store.state(REF, SUBJECT, "financial", _records())
    (item,) = await store.listing(None)
    clock.now += timedelta(days=8)  # Friday 11 December: past Thursday's due date
    with pytest.raises(ConfirmationRefused, match="due_on"):
        await store.decide(item.confirmation_id, "clerk", annotation=None)
    assert [c.status for c in await store.state(REF, SUBJECT, "financial", _records())] == ["expired"]


async def test_decisions_that_cannot_be_taken_change_nothing(store: ConfirmationStore, tmp_path: Path) -> None:
    await store.state(REF, SUBJECT, "financial", _records())
    (item,) = await store.listing(None)
    with pytest.raises(ConfirmationRefused, match="does not decide"):
        await store.decide(item.confirmation_id, "someone-else", annotation=None)
    with pytest.raises(ConfirmationRefused, match="annotation"):
        await store.decide(item.confirmation_id, "clerk", annotation="  ")
    for key in (tmp_path / "seals").iterdir():
        key.rename(key.with_suffix(".moved"))
    with pytest.raises(SealKeyMissing):
        await store.decide(item.confirmation_id, "clerk", annotation=None)
    assert (await store.get(item.confirmation_id)).status == "pending"
    for key in (tmp_path / "seals").iterdir():
        key.rename(key.with_suffix(".pem"))
    await store.decide(item.confirmation_id, "clerk", annotation=None)
    with pytest.raises(ConfirmationRefused, match="decided already"):
        await store.decide(item.confirmation_id, "clerk", annotation=None)


async def test_a_reference_gathers_one_subjects_records_only(store: ConfirmationStore) -> None:
    await store.state(REF, SUBJECT, "financial", _records())
    other = parse_subject(CLEAN_ENTERPRISE)
    with pytest.raises(ConfirmationRefused, match="another subject"):
        await store.state(REF, other, "financial", [wire_record(penalty(Region.TIANJIN, 2, decided=date(2025, 1, 2)))])


async def test_departments_are_registered_once_and_staff_linked_only_to_known_ones(store: ConfirmationStore) -> None:
    with pytest.raises(ConfirmationRefused, match="registered already"):
        await store.add_department("重复", AUTHORITY_USCC[Region.TIANJIN])
    with pytest.raises(ConfirmationRefused, match="not registered"):
        await store.link_staff("clerk", "no-such-department")
    assert await store.departments_of("clerk") == {AUTHORITY_USCC[Region.TIANJIN]}
