"""The node's warrant check: a real gRPC node on port 0 over a SQLite store, warrants signed with real keys.

Each kind of bad warrant is refused with PERMISSION_DENIED and logged — also one signed by a key of the JWKS for
another issuer than the node accepts; a good one is accepted once and logged. The node serves mTLS, as in
production. Replay across replicas sharing a database is in test_warrant_check_replay.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiohttp import web
from joserfc.jwk import KeySet, OKPKey

from adapters.broker_jwks import BrokerJwks
from adapters.cli import main as adapter_main
from adapters.convert import QueryScope
from adapters.pki import PkiLayout
from adapters.server import NodeConfig, WarrantRejected, create_server
from adapters.store import SqlRecordStore
from adapters.warrant_check import WarrantCheck
from consent.warrants import issue_warrant
from merge.answer_document import read_document
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind
from merge.regions import Region
from protos.credit.v2 import adapter_pb2
from tests.adapters.test_server import RESIDENT_ID, TODAY, USCC, _query_call, penalty, query
from tests.adapters.tls import broker_tls, channel, node_tls

WINDOW_FROM, WINDOW_TO = TODAY - timedelta(days=3 * 365), TODAY
ENTERPRISE = Subject(SubjectKind.ENTERPRISE, USCC)


def key(kid: str) -> OKPKey:
    raw = OKPKey.generate_key("Ed25519").as_dict(private=True)
    return OKPKey.import_key(raw, {"kid": kid, "use": "sig", "alg": "EdDSA"})


BROKER = key("broker-1")
ISSUER = "http://broker.test"
ISSUERS = (ISSUER,)


def write_jwks(path: Path, *keys: OKPKey) -> str:
    path.write_text(json.dumps(KeySet(list(keys)).as_dict(private=False)))
    return str(path)


def warrant(signer: OKPKey = BROKER, **changes: object) -> bytes:
    values: dict[str, object] = {
        "issuer": ISSUER,
        "region_code": "120000",
        "subject": ENTERPRISE,
        "grant_id": "grant-7",
        "grantee": "bank-of-tests",
        "purpose": "loan",
        "edition": Edition.STANDARD,
        "window_from": WINDOW_FROM,
        "window_to": WINDOW_TO,
        "now": datetime.now(UTC),
    }
    values.update(changes)
    return issue_warrant(signer, **values).encode()  # type: ignore[arg-type]


Node = tuple[WarrantCheck, grpc.aio.Channel]


@pytest.fixture
async def node(tmp_path: Path, pki: PkiLayout) -> AsyncIterator[Node]:
    """A Tianjin node checking warrants against a JWKS file holding the broker's key, accepting ISSUER only."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'tianjin.db'}"
    store = await SqlRecordStore.open(db, Region.TIANJIN)
    await store.add_records([penalty(n) for n in range(3)])
    jwks = await BrokerJwks.load(write_jwks(tmp_path / "jwks.json", BROKER))
    verifier = await WarrantCheck.open(db, Region.TIANJIN, jwks, issuers=ISSUERS)
    config = NodeConfig(Region.TIANJIN)
    server, port = await create_server("127.0.0.1:0", store, config, tls=node_tls(pki), verifier=verifier)
    to_node = channel(f"127.0.0.1:{port}", broker_tls(pki))
    yield verifier, to_node
    await to_node.close(None)
    await server.stop(None)
    await verifier.close()
    await store.close()


async def ask(channel: grpc.aio.Channel, request: adapter_pb2.QueryRecordsRequest) -> int:
    """The number of records answered; raises AioRpcError when refused."""
    answer = await _query_call(channel)(request, timeout=10)
    return read_document(answer.document).summary.total


async def refused(channel: grpc.aio.Channel, request: adapter_pb2.QueryRecordsRequest) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ask(channel, request)
    assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
    return caught.value.details() or ""


async def test_a_good_warrant_is_accepted_and_logged(node: Node) -> None:
    verifier, channel = node
    token = warrant(jti="jti-good")
    assert await ask(channel, query(warrant=token, request_id="req-good")) == 3
    [entry] = await verifier.log_entries()
    assert (entry.outcome, entry.reason, entry.jti, entry.request_id) == ("accepted", "", "jti-good", "req-good")
    assert (entry.grant_id, entry.grantee, entry.purpose, entry.edition) == (
        "grant-7",
        "bank-of-tests",
        "loan",
        "standard",
    )
    assert entry.subject_masked == USCC
    assert abs((entry.at - datetime.now(UTC)).total_seconds()) < 60


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: warrant(key("broker-1")), "bad signature"),  # forged: the broker's kid, another key
        (lambda: warrant(key("attacker")), "signed with an unknown key"),
        (lambda: warrant(now=datetime.now(UTC) - timedelta(seconds=90)), "expired"),
        (lambda: warrant(region_code="110000"), "audience 110000 is not this region (120000)"),
        # Signed by the broker's own key, but for another broker (issue 10): the key alone is not enough.
        (lambda: warrant(issuer="http://other-broker.test"), "unexpected issuer 'http://other-broker.test'"),
        (lambda: warrant(edition=Edition.LISTING), "edition does not match the warrant"),
        (lambda: warrant(window_from=date(2020, 1, 1)), "window does not match the warrant"),
        (lambda: warrant(subject=Subject(SubjectKind.ENTERPRISE, "91110105MA01ABCD13")), "subject does not match"),
        (lambda: b"", "no warrant"),
    ],
    ids=["forged", "unknown-key", "expired", "wrong-region", "issuer", "edition", "window", "subject", "missing"],
)
async def test_bad_warrants_are_refused_and_logged(node: Node, make: Callable[[], bytes], reason: str) -> None:
    verifier, channel = node
    details = await refused(channel, query(warrant=make()))
    assert details.startswith("warrant: " + reason)
    [entry] = await verifier.log_entries()
    assert entry.outcome == "refused"
    assert entry.reason.startswith(reason)


async def test_a_replayed_warrant_is_refused(node: Node) -> None:
    verifier, channel = node
    token = warrant(jti="jti-once")
    assert await ask(channel, query(warrant=token)) == 3
    assert await refused(channel, query(warrant=token)) == "warrant: replayed: jti already used"
    newest, oldest = await verifier.log_entries()
    assert (oldest.outcome, newest.outcome, newest.jti) == ("accepted", "refused", "jti-once")


async def test_no_resident_id_in_refusals_or_the_log(node: Node) -> None:
    verifier, channel = node
    person = Subject(SubjectKind.PERSON, RESIDENT_ID)
    other = "110105199003071239"

    def person_query(subject: Subject) -> adapter_pb2.QueryRecordsRequest:
        token = warrant(subject=subject, edition=Edition.PERSON)
        kind, edition = adapter_pb2.SUBJECT_KIND_PERSON, adapter_pb2.EDITION_PERSON
        return query(subject_id=RESIDENT_ID, subject_kind=kind, edition=edition, warrant=token)

    details = await refused(channel, person_query(Subject(SubjectKind.PERSON, other)))
    assert details == "warrant: subject does not match the warrant"
    [entry] = await verifier.log_entries()
    assert entry.subject_masked == "120101********1235"
    assert RESIDENT_ID not in repr(entry)
    assert other not in repr(entry)
    assert await ask(channel, person_query(person)) == 0


async def test_a_rotated_broker_key_is_picked_up_from_the_jwks_file(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'rot.db'}"
    path = tmp_path / "jwks.json"
    jwks = await BrokerJwks.load(write_jwks(path, BROKER), refresh_interval_s=0)
    verifier = await WarrantCheck.open(db, Region.TIANJIN, jwks, issuers=ISSUERS)
    scope = QueryScope(Region.TIANJIN, ENTERPRISE, Edition.STANDARD, WINDOW_FROM, WINDOW_TO, "req-rot")
    rotated = key("broker-2")
    try:
        with pytest.raises(WarrantRejected, match="unknown key"):
            await verifier.verify(warrant(rotated), scope)
        write_jwks(path, BROKER, rotated)  # the broker rotated and republished its JWKS
        await verifier.verify(warrant(rotated), scope)
        await verifier.verify(warrant(BROKER), scope)  # older keys still verify
    finally:
        await verifier.close()


@pytest.mark.parametrize(
    "flags",
    [[], ["--broker-jwks", "jwks.json", "--insecure-no-warrant-check"]],
    ids=["neither", "both"],
)
def test_serve_needs_a_jwks_or_the_explicit_insecure_flag(
    flags: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("JJJ_BROKER_JWKS", raising=False)
    argv = ["serve", "--region", "tianjin", "--db", str(tmp_path / "n.db"), "--port", "0", *flags]
    assert adapter_main(argv) == 2
    assert "--insecure-no-warrant-check" in capsys.readouterr().err


def test_serve_with_an_unusable_jwks_fails_before_listening(
    tmp_path: Path, pki: PkiLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "jwks.json"
    bad.write_text('{"keys": []}')
    argv = ["serve", "--region", "tianjin", "--db", str(tmp_path / "n.db"), "--port", "0", "--broker-jwks", str(bad),
            "--broker-issuer", ISSUER, "--tls-dir", str(pki.directory)]  # fmt: skip
    assert adapter_main(argv) == 1
    assert "non-empty 'keys'" in capsys.readouterr().err


async def test_the_jwks_can_come_from_a_url(aiohttp_server: Any) -> None:
    async def serve_jwks(request: web.Request) -> web.Response:
        return web.json_response(KeySet([BROKER]).as_dict(private=False))

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", serve_jwks)
    server = await aiohttp_server(app)
    jwks = await BrokerJwks.load(str(server.make_url("/.well-known/jwks.json")))
    assert [k.kid for k in jwks.keys] == ["broker-1"]
    with pytest.raises(OSError, match="404"):
        await BrokerJwks.load(str(server.make_url("/missing")))


async def test_sqlite_commits_use_wal_without_a_sync_per_commit(node: Node) -> None:
    # One fsync per query capped a node at a few dozen queries a second; WAL + NORMAL keeps commits atomic.
    verifier, _channel = node
    async with verifier._engine.connect() as conn:
        journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        synchronous = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar()
    assert (journal, synchronous) == ("wal", 1)  # 1 = NORMAL


async def test_a_node_must_name_the_broker_issuers_it_accepts(tmp_path: Path) -> None:
    # Without issuers a node used to accept any iss signed by a JWKS key; now it does not start checking at all.
    jwks = BrokerJwks("test", KeySet([BROKER]))
    with pytest.raises(ValueError, match="--broker-issuer"):
        await WarrantCheck.open(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}", Region.TIANJIN, jwks, issuers=())
