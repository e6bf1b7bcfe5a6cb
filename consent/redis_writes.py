"""The broker's Redis client, and the writes that only count once a replica has them.

:data:`RedisClient` is what every store is given: an ``aioredis.Redis`` (one server, or the master a Sentinel points
at, followed across failovers) or a ``RedisCluster``. Every key a store writes is cluster-safe: keys a script or
transaction touches together share a hash tag (README "Production" has the map).

Redis replicates asynchronously: a master that dies right after answering loses what it had not yet sent, and the
replica Sentinel promotes never had it. The writes that must survive that — grants and their state changes and use
counts, single-use codes and redemptions, token revocations, issued reports and the audit chain — go through
:class:`ReplicaAck`: the command and ``WAIT <replicas> <timeout>`` travel in one pipeline on one connection (WAIT
counts the replicas that have everything *this connection* wrote, so it must be the same one; on a cluster, the
node serving the key). Fewer replicas than asked within the timeout is :class:`WriteNotReplicated`, a 503: never a
silent success. The write may still be on the master; every one of these is safe to retry (idempotent, or failing
closed: a code redeemed twice is a replay).

WAIT makes a write survive the loss of the master, not of the master and every replica that had it, and does not
make Redis strongly consistent (a partitioned old master can accept writes until ``min-replicas-to-write`` stops
it; those were never acknowledged here). ``replicas=0`` sends the command alone: a single Redis, and the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import AskError, MovedError, TryAgainError
from redis.typing import EncodableT

from consent.errors import ConsentStoreUnavailable

RedisClient = aioredis.Redis | RedisCluster

#: A slot that moves (resharding, a cluster failover) answers MOVED/ASK/TRYAGAIN: the command did not run, so the
#: pair is sent again, this many times at most.
_REDIRECT_ATTEMPTS = 5


class WriteNotReplicated(ConsentStoreUnavailable):
    """The master took the write but not enough replicas confirmed it in time: report the operation as not done."""

    code = "consent_store_unavailable"


@dataclass(frozen=True, slots=True)
class ReplicaAck:
    """How many replicas must confirm a durable write, and how long to wait for them (``JJJ_REDIS_MIN_REPLICAS_ACK``,
    ``JJJ_REDIS_ACK_TIMEOUT_MS``)."""

    replicas: int = 0
    timeout_ms: int = 500

    async def eval(self, redis: RedisClient, script: str, keys: Sequence[str], args: Sequence[EncodableT]) -> Any:
        """``EVAL script`` (every key it touches in ``keys``), acknowledged."""
        return await self.command(redis, keys[0], "EVAL", script, len(keys), *keys, *args)

    async def command(self, redis: RedisClient, key: str, *command: EncodableT) -> Any:
        """One write command whose keys all live in ``key``'s slot, acknowledged; returns its reply."""
        if self.replicas == 0:
            return await redis.execute_command(*command)
        for _ in range(_REDIRECT_ATTEMPTS):
            reply, acked = await self._with_wait(redis, key, command)
            if isinstance(reply, MovedError) and isinstance(redis, RedisCluster):
                await redis.nodes_manager.move_slot(reply)
                continue
            if isinstance(reply, AskError | TryAgainError):
                await asyncio.sleep(0.05)
                continue
            if isinstance(reply, Exception):
                raise reply
            if isinstance(acked, Exception):
                raise acked
            if int(acked) < self.replicas:
                raise WriteNotReplicated(
                    f"the consent store's replicas did not confirm the write ({int(acked)} of {self.replicas} "
                    f"within {self.timeout_ms} ms); refused, try again"
                )
            return reply
        raise ConsentStoreUnavailable("the consent store's slot kept moving; refused, try again")

    async def _with_wait(self, redis: RedisClient, key: str, command: Sequence[EncodableT]) -> tuple[Any, Any]:
        if isinstance(redis, RedisCluster):
            node = redis.get_node_from_key(key)
            async with redis.pipeline(transaction=False) as cluster_pipe:
                cluster_pipe.execute_command(*command, target_nodes=node)
                cluster_pipe.execute_command("WAIT", self.replicas, self.timeout_ms, target_nodes=node)
                # No redirection: a command resent elsewhere would leave WAIT counting a connection that wrote nothing.
                reply, acked = await cluster_pipe.execute(raise_on_error=False, allow_redirections=False)
            return reply, acked
        async with redis.pipeline(transaction=False) as pipe:
            pipe.execute_command(*command)
            pipe.execute_command("WAIT", self.replicas, self.timeout_ms)
            reply, acked = await pipe.execute(raise_on_error=False)
        return reply, acked
