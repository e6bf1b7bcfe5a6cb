"""Durable writes wait for a replica (WAIT on the write's own connection) and are refused, never silently accepted,
when none confirms in time: a real master with a real replica, and a Redis Cluster with a replica per master."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio.cluster import RedisCluster

from consent.errors import ConsentStoreUnavailable
from consent.grant_store import GrantAction, RedisConsentStore, UseOutcome
from consent.grants import GrantStatus, new_grant_id
from consent.redis_writes import ReplicaAck, WriteNotReplicated
from tests.conftest import REDIS_URL, open_test_redis
from tests.consent.test_grant_store import artefact
from tests.redis_servers import RedisProcess, RedisServers

PREFIX = "jjjtest:acks:"
ACK = ReplicaAck(replicas=1, timeout_ms=300)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[RedisServers]:
    running = RedisServers(tmp_path)
    yield running
    running.stop_all()


@pytest.fixture
def replicated(servers: RedisServers) -> tuple[RedisProcess, RedisProcess]:
    master = servers.server("master")
    return master, servers.replica("replica", master)


async def test_a_confirmed_write_is_on_the_replica_and_an_unconfirmed_one_is_refused(
    servers: RedisServers, replicated: tuple[RedisProcess, RedisProcess]
) -> None:
    master, replica = replicated
    redis = open_test_redis(f"redis://127.0.0.1:{master.port}/0")
    store = RedisConsentStore(redis, PREFIX, acks=ACK)
    try:
        grant = artefact(max_uses=3)
        await store.create(grant, "jws")
        assert (await store.use(grant.id, datetime.now(UTC)))[0] is UseOutcome.OK
        # Confirmed means the replica has it now, not eventually: read it there at once.
        assert replica.client().hget(store.key(grant.id), "uses") == b"1"

        servers.pause(replica)  # connected but silent: WAIT gets no acknowledgement
        started = time.monotonic()
        with pytest.raises(WriteNotReplicated, match="0 of 1 within 300 ms"):
            await store.change(grant.id, "ref1", GrantAction.REVOKE, datetime.now(UTC))
        assert time.monotonic() - started < 2.0  # the timeout is WAIT's, well inside the socket's
        servers.resume(replica)
        # Retrying is safe: the revocation (already on the master) is confirmed this time.
        assert await store.change(grant.id, "ref1", GrantAction.REVOKE, datetime.now(UTC)) is GrantStatus.REVOKED
        assert replica.client().hget(store.key(grant.id), "status") == b"revoked"
    finally:
        await redis.aclose()


async def test_no_replica_means_every_durable_write_is_refused() -> None:
    # The test Redis on 6379 has no replica: asking for one can never succeed, and must never pretend to.
    redis = open_test_redis(REDIS_URL)
    prefix = f"jjjtest:noreplica:{new_grant_id()}:"
    store = RedisConsentStore(redis, prefix, acks=ReplicaAck(replicas=1, timeout_ms=20))
    try:
        with pytest.raises(ConsentStoreUnavailable):
            await store.create(artefact(), "jws")
        assert RedisConsentStore(redis, prefix).key("x").startswith(prefix)
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_on_a_cluster_wait_goes_to_the_node_that_took_the_write(servers: RedisServers) -> None:
    nodes = servers.cluster(masters=3, replicas=1)
    redis = open_test_redis("redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in nodes[:3]))
    store = RedisConsentStore(redis, PREFIX, acks=ACK)
    try:
        await redis.ping()
        assert isinstance(redis, RedisCluster)
        # One grant on each master (its id is its hash tag), then one master's replica stalls.
        grants = {}
        while len(grants) < 3:
            grant = artefact(id=new_grant_id())
            port = redis.get_node_from_key(store.key(grant.id)).port
            grants.setdefault(port, grant)
        for grant in grants.values():
            await store.create(grant, "jws")
        stalled_master = nodes[0]
        servers.pause(servers.replicas_of(stalled_master)[0])
        for port, grant in grants.items():
            if port == stalled_master.port:
                with pytest.raises(WriteNotReplicated):
                    await store.use(grant.id, datetime.now(UTC))
            else:  # WAIT asked the node that took the write, whose replica answers
                assert (await store.use(grant.id, datetime.now(UTC)))[0] is UseOutcome.OK
    finally:
        await redis.aclose()
