"""The broker's one Redis client, opened from settings: one server, a Sentinel-watched master, or a Redis Cluster.

Short timeouts: a frozen Redis must fail fast, so a request is refused within seconds rather than hanging
(invariant 3, fail closed). ``rediss`` speaks TLS, verifying each server's certificate and host name against
``JJJ_REDIS_CA`` (or the system's CAs); a user and password in the URL authenticate with Redis ACLs. The URL forms
are :mod:`broker.redis_url`'s.

Failover: with Sentinel, every new connection asks the sentinels where the master is, and a connection to a
master that became a replica is dropped (READONLY); with a cluster, MOVED answers refresh the slot map. redis-py
retries a command that lost its connection (its default: up to 10 times, backing off to 1 s), which carries a
request across most of a failover; what it does not carry is refused (503) — never answered from a stale replica.
"""

from __future__ import annotations

import contextlib
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel
from redis.exceptions import RedisClusterException, RedisError

from broker.redis_url import RedisTarget, Topology, parse_redis_url
from broker.settings import Settings
from consent.redis_writes import RedisClient, ReplicaAck

_TIMEOUTS: dict[str, Any] = {"socket_timeout": 2.0, "socket_connect_timeout": 2.0}


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
    if target.topology is Topology.SENTINEL:
        return _sentinel_master(target, tls)
    if target.topology is Topology.CLUSTER:
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.hosts],
            username=target.username,
            password=target.password,
            decode_responses=False,
            **_TIMEOUTS,
            **({"ssl": True, **tls} if target.tls else {}),
        )
    return aioredis.Redis.from_url(url, decode_responses=False, health_check_interval=15, **_TIMEOUTS, **tls)


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


def _sentinel_master(target: RedisTarget, tls: dict[str, Any]) -> SentinelMaster:
    auth = {"username": target.username, "password": target.password}
    ssl = {"ssl": True, **tls} if target.tls else {}
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(target.hosts),
        # The sentinels are asked with the same user, password and TLS as the data servers.
        sentinel_kwargs={**_TIMEOUTS, **auth, **ssl},
        **_TIMEOUTS,
        **auth,
        **ssl,
    )
    master: SentinelMaster = sentinel.master_for(
        target.service, redis_class=SentinelMaster, db=target.db, decode_responses=False, health_check_interval=15
    )
    master.sentinels = sentinel
    return master
