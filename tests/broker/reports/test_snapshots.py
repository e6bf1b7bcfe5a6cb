"""Encrypted snapshots in the real Redis: round trip, wrong code, TTLs, atomic writes, statuses, rate limits."""

from __future__ import annotations

import asyncio
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from cryptography.exceptions import InvalidTag

from broker.audit.writes import chain_key
from broker.reports.snapshots import ReportStatus, SnapshotMeta, SnapshotStore, VerifyStatus, seal, unseal
from broker.verify.ratelimit import Limit, RateLimited, RateLimiter
from consent.errors import ConsentStoreUnavailable
from merge.verification_code import lookup_id, new_code
from tests.broker.reports.test_store import dump

pytestmark = pytest.mark.cluster

VALIDITY = timedelta(days=30)
RETENTION = timedelta(days=365)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CANONICAL = '{"records":[{"decision_no":"津市监罚〔2025〕12号","violation_facts":"未按规定公示年度报告"}]}'.encode()


def meta(report_no: str = "JJJ-20260302-000001", *, complete: bool = True) -> SnapshotMeta:
    return SnapshotMeta(
        report_no=report_no,
        digest="sha256:" + "ab" * 32,
        edition="standard",
        subject="91120116MA05KQ2X31",
        issued_at=NOW.isoformat(),
        expires_at=(NOW + VALIDITY).isoformat(),
        complete=complete,
        status=ReportStatus.VALID,
        kid="20260302-abcdef01",
        jws_protected="eyJhbGciOiJFZERTQSJ9",
        jws_signature="c2ln",
    )


@pytest.fixture
def store(redis_client: aioredis.Redis, redis_prefix: str) -> SnapshotStore:
    return SnapshotStore(redis_client, redis_prefix, validity=VALIDITY, retention=RETENTION)


def test_seal_needs_the_same_code_and_label() -> None:
    code, salt = new_code(), b"s" * 16
    blob = seal(code, salt, "lid:json", CANONICAL)
    assert CANONICAL not in blob
    assert unseal(code.lower().replace("-", ""), salt, "lid:json", blob) == CANONICAL
    with pytest.raises(InvalidTag):
        unseal(new_code(), salt, "lid:json", blob)
    with pytest.raises(InvalidTag):
        unseal(code, salt, "lid:pdf", blob)  # a blob cannot stand in for another field
    with pytest.raises(InvalidTag):
        unseal(code, b"t" * 16, "lid:json", blob)


async def test_round_trip_and_clear_part(store: SnapshotStore, redis_client: aioredis.Redis, redis_prefix: str) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    assert await store.open_json(code) == CANONICAL
    assert await store.meta(code) == meta()
    result = await store.verify(code, NOW + timedelta(days=1))
    assert result.status is VerifyStatus.VALID
    assert result.certificate_usable

    keys = sorted([k.decode() async for k in redis_client.scan_iter(match=f"{redis_prefix}*")])
    lid = lookup_id(code)
    assert keys == sorted(
        [
            chain_key(redis_prefix, f"report:data:{lid}"),
            chain_key(redis_prefix, f"report:meta:{lid}"),
            chain_key(redis_prefix, "report:no:JJJ-20260302-000001"),
        ]
    )
    stored = await dump(redis_client, redis_prefix)
    assert "津市监罚".encode() not in stored
    assert b"decision_no" not in stored
    assert code.encode() not in stored
    assert code.replace("-", "").encode() not in stored


async def test_wrong_code_finds_nothing_and_cannot_decrypt(store: SnapshotStore, redis_client: aioredis.Redis) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    other = new_code()
    assert (await store.verify(other, NOW)).status is VerifyStatus.UNKNOWN
    assert await store.open_json(other) is None
    # Even with the ciphertext in hand (a copy of Redis), another code's key does not open it.
    salt, blob = await redis_client.hmget(store._data_key(lookup_id(code)), ["salt", "json"])
    assert isinstance(salt, bytes)
    assert isinstance(blob, bytes)
    with pytest.raises(InvalidTag):
        unseal(other, salt, f"{lookup_id(code)}:json", blob)


async def test_ttls(store: SnapshotStore, redis_client: aioredis.Redis) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    lid = lookup_id(code)
    content_ttl = await redis_client.ttl(store._data_key(lid))
    meta_ttl = await redis_client.ttl(store._meta_key(lid))
    number_ttl = await redis_client.ttl(store._number_key("JJJ-20260302-000001"))
    assert VALIDITY.total_seconds() - 5 <= content_ttl <= VALIDITY.total_seconds()
    assert (VALIDITY + RETENTION).total_seconds() - 5 <= meta_ttl <= (VALIDITY + RETENTION).total_seconds()
    assert number_ttl == pytest.approx(meta_ttl, abs=5)


async def test_expired_when_content_is_gone_or_past_expiry(store: SnapshotStore, redis_client: aioredis.Redis) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    assert (await store.verify(code, NOW + VALIDITY)).status is VerifyStatus.EXPIRED
    await redis_client.delete(store._data_key(lookup_id(code)))  # what the content TTL does
    result = await store.verify(code, NOW)
    assert result.status is VerifyStatus.EXPIRED
    assert not result.certificate_usable
    assert await store.open_json(code) is None


async def test_incomplete_report_is_valid_but_not_a_certificate(store: SnapshotStore) -> None:
    code = new_code()
    await store.save(code, meta(complete=False), CANONICAL)
    result = await store.verify(code, NOW)
    assert result.status is VerifyStatus.VALID
    assert result.certificate_usable is False


async def test_suspend_reinstate_revoke(store: SnapshotStore, redis_client: aioredis.Redis) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    ttl_before = await redis_client.ttl(store._meta_key(lookup_id(code)))
    assert await store.set_status("JJJ-20260302-000001", ReportStatus.SUSPENDED)
    assert (await store.verify(code, NOW)).status is VerifyStatus.SUSPENDED
    assert await store.open_json(code) == CANONICAL  # suspended: the original is still there
    assert await store.set_status("JJJ-20260302-000001", ReportStatus.VALID)
    assert (await store.verify(code, NOW)).status is VerifyStatus.VALID
    assert await store.set_status("JJJ-20260302-000001", ReportStatus.REVOKED)
    assert (await store.verify(code, NOW)).status is VerifyStatus.REVOKED
    assert await store.open_json(code) is None  # revoked: the content is deleted
    assert await redis_client.ttl(store._meta_key(lookup_id(code))) == pytest.approx(ttl_before, abs=5)
    assert not await store.set_status("JJJ-20990101-000001", ReportStatus.REVOKED)


async def test_pdf_is_stored_once(store: SnapshotStore) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    first, second = await asyncio.gather(
        store.store_pdf_once(code, b"%PDF-1.7 first", "sha256:first"),
        store.store_pdf_once(code, b"%PDF-1.7 second", "sha256:second"),
    )
    assert first == second  # the race's loser gets the winner's bytes
    assert await store.open_pdf(code) == first
    stored_meta = await store.meta(code)
    assert stored_meta is not None
    assert stored_meta.pdf_digest == ("sha256:first" if first == b"%PDF-1.7 first" else "sha256:second")


async def test_store_down_fails_closed() -> None:
    client = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        store = SnapshotStore(client, "x:", validity=VALIDITY, retention=RETENTION)
        with pytest.raises(ConsentStoreUnavailable):
            await store.verify(new_code(), NOW)
        limiter = RateLimiter(client, "x:", per_client=Limit(5, 60), per_report=Limit(5, 60))
        with pytest.raises(ConsentStoreUnavailable):
            await limiter.fail(client="127.0.0.1")
    finally:
        await client.aclose()


async def test_rate_limiter_counts_atomically_with_ttls(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    limiter = RateLimiter(redis_client, redis_prefix, per_client=Limit(10, 60), per_report=Limit(3, 120))
    await asyncio.gather(*(limiter.fail(client="10.0.0.1", report_no="JJJ-20260302-000001") for _ in range(3)))
    with pytest.raises(RateLimited) as caught:
        await limiter.fail(client="10.0.0.2", report_no="JJJ-20260302-000001")
    assert 1 <= caught.value.retry_after <= 120
    assert "this report" in caught.value.message
    for _ in range(7):  # 3 + 7 = 10 attempts: the limit, still allowed
        await limiter.fail(client="10.0.0.1")
    with pytest.raises(RateLimited, match="this client"):
        await limiter.fail(client="10.0.0.1")
    await limiter.fail(client="10.0.0.3")  # another client is not affected
    keys = [k async for k in redis_client.scan_iter(match=f"{redis_prefix}rl:*")]
    assert len(keys) == 4
    for key in keys:
        assert 0 < await redis_client.ttl(key) <= 120
        assert b"10.0.0" not in key  # client addresses are hashed


async def test_large_json_is_compressed_before_encryption(store: SnapshotStore, redis_client: aioredis.Redis) -> None:
    # A big report is repetitive JSON: its ciphertext must be a fraction of it, and it must open to the same bytes.
    code = new_code()
    canonical = b'{"records":[' + b",".join([CANONICAL] * 5000) + b"]}"
    await store.save(code, meta(), canonical)
    data_key = store._data_key(lookup_id(code))
    blob, encoding = await redis_client.hmget(data_key, ["json", "json_encoding"])
    assert encoding == b"zstd"
    assert blob is not None
    assert len(blob) < len(canonical) // 10
    assert await store.open_json(code) == canonical
    # The encoding is bound into the associated data: dropping the marker does not yield the plaintext.
    await redis_client.hdel(data_key, "json_encoding")
    with pytest.raises(InvalidTag):
        await store.open_json(code)


async def test_a_snapshot_stored_deflated_still_opens(store: SnapshotStore, redis_client: aioredis.Redis) -> None:
    # What brokers stored before zstd: zlib-deflated JSON under the "+deflate" associated data.
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    lid = lookup_id(code)
    salt = await redis_client.hget(store._data_key(lid), "salt")
    assert isinstance(salt, bytes)
    blob = seal(code, salt, f"{lid}:json+deflate", zlib.compress(CANONICAL, 1))
    await redis_client.hset(store._data_key(lid), mapping={"json": bytes(blob), "json_encoding": "deflate"})
    assert await store.open_json(code) == CANONICAL
    # Named as the other encoding, the same blob does not open.
    await redis_client.hset(store._data_key(lid), "json_encoding", "zstd")
    with pytest.raises(InvalidTag):
        await store.open_json(code)


async def test_a_snapshot_stored_before_compression_still_opens(
    store: SnapshotStore, redis_client: aioredis.Redis
) -> None:
    code = new_code()
    await store.save(code, meta(), CANONICAL)
    lid = lookup_id(code)
    salt = await redis_client.hget(store._data_key(lid), "salt")
    assert isinstance(salt, bytes)
    await redis_client.hdel(store._data_key(lid), "json_encoding")
    await redis_client.hset(store._data_key(lid), "json", bytes(seal(code, salt, f"{lid}:json", CANONICAL)))
    assert await store.open_json(code) == CANONICAL


async def test_rate_limiter_check_refuses_only_a_client_past_its_own_failures(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    limiter = RateLimiter(redis_client, redis_prefix, per_client=Limit(2, 60), per_report=Limit(5, 60))
    await limiter.check(client="10.0.0.1")  # counts nothing
    await limiter.check(client="10.0.0.1")
    await limiter.check(client="10.0.0.1")
    await limiter.fail(client="10.0.0.1")
    await limiter.fail(client="10.0.0.1")
    with pytest.raises(RateLimited, match="this client"):
        await limiter.check(client="10.0.0.1")
    await limiter.check(client="10.0.0.2")
