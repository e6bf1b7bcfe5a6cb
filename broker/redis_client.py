"""The broker's one Redis client, opened from settings: one server, a Sentinel-watched master, or a Redis Cluster.

Short timeouts: a frozen Redis must fail fast, so a request is refused within seconds rather than hanging
(invariant 3, fail closed). ``rediss`` speaks TLS, verifying each server's certificate and host name against
``JJJ_REDIS_CA`` (or the system's CAs); a user and password in the URL authenticate with Redis ACLs. The URL forms
are :mod:`broker.redis_url`'s.

Failover: with Sentinel, every new connection asks the sentinels where the master is, and a connection to a
master that became a replica is dropped (READONLY); with a cluster, MOVED answers refresh the slot map. A command
that cannot reach a master is tried again every 250 ms for ``JJJ_REDIS_FAILOVER_WAIT_S`` (5 s: a Sentinel failover
takes about two and a half with ``down-after-milliseconds 1000``, measured in tests/e2e/test_sentinel_failover.py),
so a request in flight during a failover waits for the new master instead of failing; what does not get through in
that time is refused (503), never answered from a stale replica. A single Redis keeps redis-py's default (10
retries with jittered backoff, about a second): there is nothing to wait for.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import BlockingConnectionPool, SSLConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelManagedConnection
from redis.backoff import ConstantBackoff
from redis.exceptions import RedisClusterException, RedisError

from broker.redis_url import RedisTarget, Topology, parse_redis_url
from broker.settings import Settings
from consent.redis_writes import RedisClient, ReplicaAck

_TIMEOUTS: dict[str, Any] = {"socket_timeout": 2.0, "socket_connect_timeout": 2.0}
_RETRY_EVERY_S = 0.25


class _FollowingConnection(SentinelManagedConnection):
    """A connection to the Sentinel-named master that asks the sentinels again whenever it (re)connects.

    redis-py (8.1) asks them only when the pool hands out a connection; a command retried after its connection
    dropped reconnects to the address it had, so a master killed and restarted there (empty, or behind) during a
    failover would answer the retry: a revoked grant read from a stale copy. Asking each time costs one round trip
    to a sentinel per new connection."""

    async def connect_check_health(self, check_health: bool = True, retry_socket_connect: bool = True) -> None:
        if not self.is_connected:
            self.host, self.port = await self.connection_pool.get_master_address()
        await super().connect_check_health(check_health=check_health, retry_socket_connect=retry_socket_connect)


class _FollowingSSLConnection(_FollowingConnection, SSLConnection):
    pass


class SentinelMaster(aioredis.Redis):
    """The master a Sentinel points at; closing it closes the connections to the sentinels too."""

    sentinels: Sentinel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        if self.sentinels is not None:
            for sentinel in self.sentinels.sentinels:
                await sentinel.aclose()


def open_redis(settings: Settings) -> RedisClient:
    url = settings.redis_url.get_secret_value()
    target = parse_redis_url(url)
    tls = _tls(settings) if target.tls else {}
    retry = Retry(ConstantBackoff(_RETRY_EVERY_S), retries=int(settings.redis_failover_wait_s / _RETRY_EVERY_S))
    if target.topology is Topology.SENTINEL:
        return _sentinel_master(target, tls, retry)
    if target.topology is Topology.CLUSTER:
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.hosts],
            username=target.username,
            password=target.password,
            decode_responses=False,
            retry=retry,
            **_TIMEOUTS,
            **({"ssl": True, **tls} if target.tls else {}),
        )
    # A blocking pool: past max_connections a request waits (up to the socket timeout) for a free connection
    # instead of failing at once. redis-py's default pool raises MaxConnectionsError beyond 100, which the load
    # run (tests/faults/test_load.py, 200 clients) turned into hundreds of 503s.
    pool = BlockingConnectionPool.from_url(
        url, decode_responses=False, health_check_interval=15, max_connections=settings.redis_max_connections,
        timeout=_TIMEOUTS["socket_timeout"], **_TIMEOUTS, **tls,
    )  # fmt: skip
    return aioredis.Redis.from_pool(pool)  # the client owns the pool: closing it closes the pool


async def initialized(client: RedisClient) -> RedisClient:
    """``client``, a cluster's slot map read now rather than on its first command.

    redis-py (7.x and 8.1, not 6.4) fails a few of many first commands sent at once by a cluster client that is
    still initialising (``AttributeError``: a connection closed under another command). Unreachable now, the
    cluster is tried again on first use, as a single Redis would be."""
    if isinstance(client, RedisCluster):
        with contextlib.suppress(RedisError, RedisClusterException):
            await client.initialize()
    return client


def replica_ack(settings: Settings) -> ReplicaAck:
    """What the durable writes wait for: ``JJJ_REDIS_MIN_REPLICAS_ACK`` replicas, ``JJJ_REDIS_ACK_TIMEOUT_MS``."""
    return ReplicaAck(settings.redis_min_replicas_ack, settings.redis_ack_timeout_ms)


def _tls(settings: Settings) -> dict[str, Any]:
    tls: dict[str, Any] = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
    if settings.redis_ca is not None:
        tls["ssl_ca_certs"] = str(settings.redis_ca)
    return tls


def _sentinel_master(target: RedisTarget, tls: dict[str, Any], retry: Retry) -> SentinelMaster:
    auth = {"username": target.username, "password": target.password}
    ssl = {"ssl": True, **tls} if target.tls else {}
    # Untyped before redis-py 8.2, typed since (its **kwargs as int): called as Any, the same call on both.
    sentinel = cast(Any, Sentinel)(
        list(target.hosts),
        # The sentinels are asked with the same user, password and TLS as the data servers.
        sentinel_kwargs={**_TIMEOUTS, **auth, **ssl},
        **_TIMEOUTS,
        **auth,
        **ssl,
    )
    master: SentinelMaster = sentinel.master_for(
        target.service,
        redis_class=SentinelMaster,
        db=target.db,
        decode_responses=False,
        health_check_interval=15,
        retry=retry,
        connection_class=_FollowingSSLConnection if target.tls else _FollowingConnection,
    )
    master.sentinels = sentinel
    return master
