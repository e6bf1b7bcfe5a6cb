"""The hash-chained audit log on the real Redis: appends, checkpoints, subject history, and the verifier
catching every kind of tampering (edit, delete, reorder, truncate, rewrite, forged checkpoint)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from broker.audit.entries import GENESIS, Action, canonical, entry_hash, stream_rows
from broker.audit.log import AuditLog
from broker.audit.verify import verify_chain
from broker.audit.writes import HashWrite, IndexWrite, StringWrite, Write, chain_key
from broker.cli.main import main as jjj_main
from broker.keys import KeyRing, init_keys
from broker.redis_client import initialized
from consent.errors import ConsentStoreUnavailable
from consent.warrants import load_jwks
from merge.identifiers import Subject, SubjectKind
from tests.conftest import open_test_redis

pytestmark = pytest.mark.cluster

PERSON = Subject(SubjectKind.PERSON, "110105199003071239")
ENTERPRISE = Subject(SubjectKind.ENTERPRISE, "91120116MA05KQ2X31")


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    return init_keys(tmp_path / "keys")


MakeLog = Callable[..., Awaitable[AuditLog]]


@pytest.fixture
async def make_log(redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing) -> MakeLog:
    async def make(n: int = 0, *, checkpoint_every: int = 100) -> AuditLog:
        audit = AuditLog(redis_client, redis_prefix, ring, checkpoint_every=checkpoint_every)
        for i in range(n):
            subject = PERSON if i % 2 else ENTERPRISE
            await audit.append(
                action=Action.REPORT_ISSUE, actor=f"client-{i}", outcome="issued", subject=subject,
                subject_key=f"key-{subject.kind.value}", grant=f"g-{i}", grantee="bank", purpose="loan",
                request_id=f"req-{i}", detail={"report_no": f"JJJ-20250630-{i:06d}"},
            )  # fmt: skip
        return audit

    return make


async def check(redis_client: aioredis.Redis, prefix: str, ring: KeyRing) -> list[str]:
    return (await verify_chain(redis_client, prefix, ring.verification_keys())).problems


async def rewrite(redis: aioredis.Redis, key: str, change: Callable[[list[dict[bytes, bytes]]], object]) -> None:
    """Replace the stream with ``change``d copies of its entries (fresh ids, same order unless changed)."""
    rows = [fields for _, fields in stream_rows(await redis.xrange(key))]
    change(rows)
    await redis.delete(key)
    for fields in rows:
        await redis.xadd(key, fields)  # type: ignore[arg-type]


async def test_appends_form_a_chain_that_verifies(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing
) -> None:
    audit = await make_log(5)
    entries = [e for _, e in stream_rows(await redis_client.xrange(audit.stream_key))]
    bodies = [json.loads(e[b"entry"]) for e in entries]
    assert [b["seq"] for b in bodies] == [1, 2, 3, 4, 5]
    assert bodies[0]["prev"] == GENESIS
    for before, after in zip(entries, bodies[1:], strict=False):
        assert after["prev"] == before[b"hash"].decode() == entry_hash(before[b"entry"])
    assert entries[0][b"entry"] == canonical(bodies[0])
    result = await verify_chain(redis_client, redis_prefix, ring.verification_keys())
    assert result.ok, result.problems
    assert (result.entries, result.last_seq) == (5, 5)
    assert "OK" in result.summary()


async def test_no_full_resident_id_is_ever_stored(make_log: MakeLog, redis_client: aioredis.Redis) -> None:
    audit = await make_log()
    entry = await audit.append(
        action=Action.CONSENT_GRANT, actor=PERSON.identifier, outcome="ok", subject=PERSON, subject_key="k",
        detail={"note": f"by {PERSON.identifier}"},
    )  # fmt: skip
    assert entry.subject == entry.actor == "110105********1239"
    assert entry.detail == {"note": "by 110105********1239"}
    raw = b"".join(f[b"entry"] for _, f in stream_rows(await redis_client.xrange(audit.stream_key)))
    assert PERSON.identifier.encode() not in raw
    with pytest.raises(ValueError, match="subject_key"):
        await audit.append(action="x", actor="y", outcome="z", subject=PERSON)


async def test_entries_for_subject_newest_first(make_log: MakeLog) -> None:
    audit = await make_log(6)
    mine = await audit.entries_for_subject("key-person", count=2)
    assert [e.grant for e in mine] == ["g-5", "g-3"]
    assert all(e.subject == "110105********1239" for e in mine)
    assert [e.grant for e in await audit.entries_for_subject("key-enterprise", count=10)] == ["g-4", "g-2", "g-0"]
    assert await audit.entries_for_subject("nobody") == []


async def test_the_head_is_signed_every_n_entries_and_on_demand(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing
) -> None:
    audit = await make_log(7, checkpoint_every=3)
    result = await verify_chain(redis_client, redis_prefix, ring.verification_keys())
    assert (result.checkpoints, result.checkpoint_seq, result.ok) == (2, 6, True)
    checkpoint = await audit.checkpoint()
    assert checkpoint.seq == 7
    assert checkpoint.hash == (await audit.head())[0]
    # Anyone holding only the broker's public JWKS (/.well-known/jwks.json) can check the checkpoints.
    public = load_jwks(ring.public_jwks())
    result = await verify_chain(redis_client, redis_prefix, public)
    assert (result.checkpoints, result.checkpoint_seq, result.ok) == (3, 7, True)


def _edit(rows: list[dict[bytes, bytes]]) -> None:
    body = json.loads(rows[2][b"entry"])
    body["outcome"] = "refused"
    rows[2][b"entry"] = canonical(body)


def _edit_and_rehash(rows: list[dict[bytes, bytes]]) -> None:
    _edit(rows)
    rows[2][b"hash"] = entry_hash(rows[2][b"entry"]).encode()


def _rewrite_whole_chain(rows: list[dict[bytes, bytes]]) -> None:
    # The attacker recomputes every hash after the edit: only the signed checkpoint can tell.
    _edit(rows)
    prev = rows[1][b"hash"].decode()
    for fields in rows[2:]:
        body = json.loads(fields[b"entry"]) | {"prev": prev}
        fields[b"entry"] = canonical(body)
        prev = entry_hash(fields[b"entry"])
        fields[b"hash"] = prev.encode()


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_edit, "entry seq 3 (*): content does not match its hash (edited)"),
        (_edit_and_rehash, "entry seq 4 (*): prev is not the hash of the entry before it (deleted or reordered)"),
        (_rewrite_whole_chain, "entry seq 6 (*): hash differs from the signed checkpoint (rewritten)"),
        (lambda rows: rows.pop(3), "entry seq 5 (*): expected seq 4 (entry deleted, inserted or reordered)"),
        (
            lambda rows: rows.insert(3, rows.pop(4)),
            "entry seq 5 (*): expected seq 4 (entry deleted, inserted or reordered)",
        ),
        (lambda rows: rows.pop(0), "entry seq 2 (*): expected seq 1 (entry deleted, inserted or reordered)"),
        (
            lambda rows: rows.__delitem__(slice(5, None)),
            "chain ends at seq 5 but a checkpoint was signed at seq 6 (truncated)",
        ),
    ],
    ids=["edit", "edit-rehash", "rewrite-chain", "delete", "reorder", "delete-first", "truncate-tail"],
)
async def test_the_verifier_catches_tampering(
    make_log: MakeLog,
    redis_client: aioredis.Redis,
    redis_prefix: str,
    ring: KeyRing,
    tamper: Callable[[list[dict[bytes, bytes]]], object],
    expected: str,
) -> None:
    audit = await make_log(7, checkpoint_every=6)
    assert await check(redis_client, redis_prefix, ring) == []
    await rewrite(redis_client, audit.stream_key, tamper)
    problems = await check(redis_client, redis_prefix, ring)
    assert problems, "tampering went unnoticed"
    pattern = expected.split("(*)")
    assert any(p.startswith(pattern[0]) and p.endswith(pattern[-1]) for p in problems), problems


async def test_a_checkpoint_signed_with_another_key_is_reported(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing, tmp_path: Path
) -> None:
    await make_log(2)
    forger = AuditLog(redis_client, redis_prefix, init_keys(tmp_path / "forged"))
    await forger.checkpoint()
    [problem] = await check(redis_client, redis_prefix, ring)
    assert problem.endswith("signature or payload invalid")


async def test_concurrent_appends_from_two_logs_keep_one_chain(
    redis_prefix: str, redis_client: aioredis.Redis, redis_url: str, ring: KeyRing
) -> None:
    clients = [await initialized(open_test_redis(redis_url)) for _ in range(2)]
    logs = [AuditLog(client, redis_prefix, ring, checkpoint_every=10) for client in clients]
    try:
        await asyncio.gather(
            *(logs[i % 2].append(action="test", actor=f"a{i}", outcome="ok", request_id=str(i)) for i in range(40))
        )
    finally:
        for client in clients:
            await client.aclose()
    result = await verify_chain(redis_client, redis_prefix, ring.verification_keys())
    assert result.ok, result.problems
    assert (result.entries, result.last_seq) == (40, 40)
    assert result.checkpoints >= 1


async def test_jjj_audit_verify_exit_codes(
    make_log: MakeLog,
    redis_client: aioredis.Redis,
    redis_prefix: str,
    ring: KeyRing,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    audit = await make_log(3)
    monkeypatch.setenv("JJJ_REDIS_URL", redis_url)
    monkeypatch.setenv("JJJ_REDIS_PREFIX", redis_prefix)
    monkeypatch.setenv("JJJ_KEYS_DIR", str(ring.directory))
    assert await asyncio.to_thread(jjj_main, ["audit", "checkpoint"]) == 0
    assert await asyncio.to_thread(jjj_main, ["audit", "verify"]) == 0
    assert "audit chain OK: 3 entries" in capsys.readouterr().out
    await rewrite(redis_client, audit.stream_key, lambda rows: rows.pop())
    assert await asyncio.to_thread(jjj_main, ["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED" in out
    assert "truncated" in out


async def test_writes_given_with_an_entry_land_with_it_also_when_the_head_moved(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing
) -> None:
    # The report store sends snapshot and audit entry in one script; when the chain's head moved (another replica
    # appended), nothing is written and entry and writes are sent again over the new head.
    first = await make_log()
    other = await make_log()
    await other.append(action=Action.REPORT_VERIFY, actor="public", outcome="valid")  # first's head is stale
    side = chain_key(redis_prefix, "side")

    def push(value: str) -> list[Write]:
        return [HashWrite(side, {value: "1"}, 600)]

    entry = await first.append(action=Action.REPORT_ISSUE, actor="subject", outcome="issued", with_writes=push("x"))
    assert entry.seq == 2
    assert await redis_client.hgetall(side) == {b"x": b"1"}
    assert 0 < await redis_client.ttl(side) <= 600
    assert await check(redis_client, redis_prefix, ring) == []

    await redis_client.delete(side)
    again = await first.append(action=Action.REPORT_ISSUE, actor="subject", outcome="issued", with_writes=push("y"))
    assert again.seq == 3
    assert again.prev == entry.hash
    assert await redis_client.hgetall(side) == {b"y": b"1"}


async def test_a_write_that_cannot_be_made_fails_the_append_and_writes_nothing(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing
) -> None:
    audit = await make_log(1)
    wrong = chain_key(redis_prefix, "a-string")
    await redis_client.set(wrong, "x")
    # A hash write onto a string: the script checks every key before it writes any, so neither the other writes
    # nor the entry are made (a report is its snapshot and its entry, or neither).
    fine = chain_key(redis_prefix, "fine")
    bad = [HashWrite(fine, {"y": "1"}, 600), HashWrite(wrong, {"y": "1"}, 600)]

    with pytest.raises(ConsentStoreUnavailable, match="holds another type"):
        await audit.append(action=Action.REPORT_ISSUE, actor="subject", outcome="issued", with_writes=bad)
    assert not await redis_client.exists(fine)
    after = await audit.append(action=Action.REPORT_ISSUE, actor="subject", outcome="failed:x")
    assert after.seq == 2  # the entry that went with the failed write was not appended
    assert await check(redis_client, redis_prefix, ring) == []


async def test_an_index_write_sets_its_field_in_every_hash_beside_other_writes(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing
) -> None:
    # A report's per-record index is one IndexWrite among the snapshot's hash and string writes: each write's
    # arguments must be read where they are, before and after it, in a batch of several entries.
    audit = await make_log()
    index = tuple(chain_key(redis_prefix, f"rec:{i}") for i in range(5))
    before, after = chain_key(redis_prefix, "before"), chain_key(redis_prefix, "after")
    await redis_client.hset(index[2], "JJJ-OLD", "1")  # a record already in an earlier report keeps it
    writes: list[Write] = [
        HashWrite(before, {"a": "1", "b": "2"}, 600),
        IndexWrite(index, "JJJ-1", "1", 300),
        StringWrite(after, "v", 600),
        IndexWrite((), "JJJ-1", "1", 300),  # no keys: nothing to write, and the next entry's writes still land
    ]
    first, second = await asyncio.gather(
        audit.append(action=Action.REPORT_ISSUE, actor="subject", outcome="issued", with_writes=writes),
        audit.append(
            action=Action.REPORT_ISSUE, actor="subject", outcome="issued",
            with_writes=[IndexWrite(index[:1], "JJJ-2", "1", 300)],
        ),
    )  # fmt: skip
    assert {first.seq, second.seq} == {1, 2}
    assert await redis_client.hgetall(before) == {b"a": b"1", b"b": b"2"}
    assert await redis_client.get(after) == b"v"
    assert await redis_client.hgetall(index[0]) == {b"JJJ-1": b"1", b"JJJ-2": b"1"}
    assert await redis_client.hgetall(index[2]) == {b"JJJ-OLD": b"1", b"JJJ-1": b"1"}
    for key in index:
        assert await redis_client.hget(key, "JJJ-1") == b"1"
        assert 0 < await redis_client.ttl(key) <= 300
    assert await check(redis_client, redis_prefix, ring) == []


async def test_an_index_write_onto_a_key_of_another_type_writes_nothing(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    audit = await make_log(1)
    wrong = chain_key(redis_prefix, "a-string")
    await redis_client.set(wrong, "x")
    index = (chain_key(redis_prefix, "rec:a"), wrong, chain_key(redis_prefix, "rec:b"))
    fine = chain_key(redis_prefix, "fine")
    with pytest.raises(ConsentStoreUnavailable, match="holds another type"):
        await audit.append(
            action=Action.REPORT_ISSUE, actor="subject", outcome="issued",
            with_writes=[HashWrite(fine, {"y": "1"}, 600), IndexWrite(index, "JJJ-1", "1", 600)],
        )  # fmt: skip
    assert not await redis_client.exists(fine, index[0], index[2])
    after = await audit.append(action=Action.REPORT_ISSUE, actor="subject", outcome="failed:x")
    assert after.seq == 2  # as with a hash write: the entry that went with the failed writes was not appended


async def test_an_index_write_outside_the_chains_slot_is_refused(make_log: MakeLog, redis_prefix: str) -> None:
    audit = await make_log()
    index = (chain_key(redis_prefix, "rec:a"), "elsewhere")
    with pytest.raises(ValueError, match=r"chain.s slot.*elsewhere"):
        await audit.append(action="test", actor="a", outcome="ok", with_writes=[IndexWrite(index, "JJJ-1", "1", 60)])
    assert (await audit.head())[1] == 0


async def test_writes_outside_the_chains_slot_are_refused_before_anything_is_sent(make_log: MakeLog) -> None:
    # On one Redis they would work; on a cluster the script would fail with CROSSSLOT: refused everywhere alike.
    audit = await make_log()
    with pytest.raises(ValueError, match="chain's slot"):
        await audit.append(action="test", actor="a", outcome="ok", with_writes=[HashWrite("elsewhere", {"a": 1}, 60)])
    assert (await audit.head())[1] == 0


async def test_many_concurrent_appends_from_one_log_all_land(make_log: MakeLog, redis_client: aioredis.Redis,
                                                             redis_prefix: str, ring: KeyRing) -> None:  # fmt: skip
    # One broker process under load: its appends must not keep invalidating each other's guess of the head.
    audit = await make_log()
    sem = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        async with sem:
            await audit.append(action="test", actor=f"a{i}", outcome="ok")

    await asyncio.gather(*(one(i) for i in range(600)))
    result = await verify_chain(redis_client, redis_prefix, ring.verification_keys())
    assert result.ok, result.problems
    assert result.entries == 600


async def test_concurrent_appends_share_a_script_call_and_a_wrong_key_fails_only_its_own(
    make_log: MakeLog, redis_client: aioredis.Redis, redis_prefix: str, ring: KeyRing
) -> None:
    # Group commit: entries that arrive while a call is on its way go together in the next one. One of them with a
    # write onto a key of another type must fail alone; the others land, chained in order, with their writes.
    audit = await make_log(1)
    wrong = chain_key(redis_prefix, "a-string")
    await redis_client.set(wrong, "x")

    def writes(i: int) -> list[Write]:
        key = wrong if i == 5 else chain_key(redis_prefix, f"w-{i}")
        return [HashWrite(key, {"i": str(i)}, 600)]

    results = await asyncio.gather(
        *(audit.append(action=Action.REPORT_ISSUE, actor=f"a-{i}", outcome="issued", with_writes=writes(i))
          for i in range(12)),
        return_exceptions=True,
    )  # fmt: skip
    failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == [5]
    assert isinstance(results[5], ConsentStoreUnavailable)
    assert sorted(r.seq for r in results if not isinstance(r, BaseException)) == list(range(2, 13))
    assert all([await redis_client.exists(chain_key(redis_prefix, f"w-{i}")) for i in range(12) if i != 5])
    assert await check(redis_client, redis_prefix, ring) == []
