"""Ticket warrants at the node: only the broker's, for this region, subject, record, purpose and content, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from joserfc.jwk import KeySet

from adapters.broker_jwks import BrokerJwks
from adapters.server import WarrantRejected
from adapters.ticket_warrant_check import TicketWarrantCheck
from adapters.tickets import TicketStore
from broker.keys import init_keys
from consent.ticket_warrants import issue_ticket_warrant, ticket_body_digest
from consent.warrants import issue_warrant
from merge.editions import Edition
from merge.identifiers import parse_subject
from merge.regions import Region

ISSUER = "https://broker.test"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECT = parse_subject("91110000802100433B")
BODY = ticket_body_digest(kind="objection", field="content", current_value="a", proposed_value="b", reason="r",
                          attachments=[b"%PDF-1"])  # fmt: skip


@pytest.fixture
async def check(tmp_path: Path) -> AsyncIterator[tuple[TicketWarrantCheck, object]]:
    ring = init_keys(tmp_path / "keys")
    store = await TicketStore.open(f"sqlite+aiosqlite:///{tmp_path / 'hebei.db'}", Region.HEBEI)
    jwks = BrokerJwks(str(tmp_path / "none.json"), KeySet.import_key_set(ring.public_jwks()))
    yield TicketWarrantCheck(store.engine, jwks, Region.HEBEI, issuers=[ISSUER], clock=lambda: NOW), ring
    await store.close()


def _token(ring: object, **overrides: object) -> bytes:
    claims: dict[str, object] = {"issuer": ISSUER, "region_code": Region.HEBEI.code, "subject": SUBJECT,
                                 "purpose": "objection", "record_id": "r1", "body": BODY, "now": NOW}  # fmt: skip
    claims.update(overrides)
    return issue_ticket_warrant(ring.active, **claims).encode()  # type: ignore[attr-defined, arg-type]


async def _verify(check: TicketWarrantCheck, token: bytes, **overrides: str) -> None:
    values = {"purpose": "objection", "record_id": "r1", "body": BODY} | overrides
    await check.verify(token, SUBJECT, **values)


async def test_a_right_warrant_is_accepted_once(check) -> None:  # type: ignore[no-untyped-def]
    verifier, ring = check
    token = _token(ring)
    await _verify(verifier, token)
    with pytest.raises(WarrantRejected, match="replayed"):
        await _verify(verifier, token)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"record_id": "r2"}, "record does not match"),
        ({"purpose": "repair"}, "purpose does not match"),
        ({"body": "0" * 64}, "content does not match"),
    ],
)
async def test_a_warrant_for_something_else_is_refused(check, overrides: dict[str, str], expected: str) -> None:  # type: ignore[no-untyped-def]
    verifier, ring = check
    with pytest.raises(WarrantRejected, match=expected):
        await _verify(verifier, _token(ring), **overrides)


async def test_forged_foreign_expired_and_query_warrants_are_refused(check, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    verifier, ring = check
    other = init_keys(tmp_path / "other-keys")
    with pytest.raises(WarrantRejected, match=r"unknown key|bad signature"):
        await _verify(verifier, _token(other))
    with pytest.raises(WarrantRejected, match="audience"):
        await _verify(verifier, _token(ring, region_code=Region.TIANJIN.code))
    with pytest.raises(WarrantRejected, match="issuer"):
        await _verify(verifier, _token(ring, issuer="https://evil.test"))
    with pytest.raises(WarrantRejected, match="expired"):
        await _verify(verifier, _token(ring, now=NOW - timedelta(minutes=5)))
    with pytest.raises(WarrantRejected, match="subject"):
        await verifier.verify(_token(ring), parse_subject("91120000103100784F"), purpose="objection",
                              record_id="r1", body=BODY)  # fmt: skip
    query = issue_warrant(ring.active, issuer=ISSUER, region_code=Region.HEBEI.code, subject=SUBJECT, grant_id="self",
                          grantee="self", purpose="bidding", edition=Edition.STANDARD, window_from=NOW.date(),
                          window_to=NOW.date(), now=NOW)  # fmt: skip
    with pytest.raises(WarrantRejected, match="not a ticket warrant"):
        await _verify(verifier, query.encode())
