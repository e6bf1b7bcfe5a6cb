"""What waiting for a replica costs each durable write (``make bench-acks``): WAIT off and on, same servers.

Starts a private master with one replica on loopback (tests/redis_servers.py), then times the broker's own durable
writes through its real stores, ``JJJ_REDIS_MIN_REPLICAS_ACK`` 0 and then 1, in one run: a grant created, used and
revoked; an audit entry appended with a 4 KiB snapshot beside it (what issuing a report writes). Sequential calls
give latency per write (p50/p99) and the client's CPU per write; 16 concurrent callers give throughput. Loopback
has next to no round trip: on a network, add about one round trip to the replica per acknowledged write.
Prints a table and, with --json, the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from broker.audit.log import AuditLog
from broker.audit.writes import HashWrite, chain_key
from consent.grant_store import GrantAction, RedisConsentStore
from consent.grants import GrantArtefact, new_grant_id
from consent.redis_writes import RedisClient, ReplicaAck
from merge.editions import Edition
from merge.identifiers import SubjectKind
from tests.conftest import open_test_redis
from tests.redis_servers import RedisServers

Operation = Callable[[int], Awaitable[object]]


def _artefact() -> GrantArtefact:
    now = datetime.now(UTC).replace(microsecond=0)
    return GrantArtefact(
        id=new_grant_id(), subject_ref="bench", subject_kind=SubjectKind.ENTERPRISE, subject_masked="9111*****",
        grantee_id="bank", grantee_name="银行", purpose_code="financing", purpose_text="融资",
        editions=(Edition.STANDARD,),
        regions=("110000",), window_years=3, valid_from=now - timedelta(minutes=1), valid_until=now + timedelta(days=1),
        max_uses=100, resident_id_consent=False, created_at=now,
    )  # fmt: skip


async def _operations(redis: RedisClient, prefix: str, acks: ReplicaAck, count: int) -> dict[str, Operation]:
    grants = RedisConsentStore(redis, prefix, acks=acks)
    audit = AuditLog(redis, prefix, None, acks=acks)
    created = [_artefact() for _ in range(count)]
    snapshot = os.urandom(4096)

    async def create(i: int) -> object:
        return await grants.create(created[i], "jws")

    async def use(i: int) -> object:
        return await grants.use(created[i].id, datetime.now(UTC))

    async def revoke(i: int) -> object:
        return await grants.change(created[i].id, "bench", GrantAction.REVOKE, datetime.now(UTC))

    async def issue(i: int) -> object:
        write = HashWrite(chain_key(prefix, f"bench:{i}"), {"json": snapshot}, 600)
        return await audit.append(action="report.issue", actor="bench", outcome="issued", with_writes=[write])

    return {"grant create": create, "grant use": use, "grant revoke": revoke, "report issue (audit + 4 KiB)": issue}


async def _time(operation: Operation, count: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    if concurrency == 1:
        for i in range(count):
            started = time.perf_counter()
            await operation(i)
            latencies.append((time.perf_counter() - started) * 1000)
    else:
        queue = iter(range(count))

        async def worker() -> None:
            for i in queue:
                await operation(i)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    result = {"per_s": count / wall, "cpu_us": cpu / count * 1e6}
    if latencies:
        ordered = sorted(latencies)
        result |= {"p50_ms": statistics.median(ordered), "p99_ms": ordered[int(len(ordered) * 0.99) - 1]}
    return result


async def measure(port: int, count: int) -> dict[str, dict[str, dict[str, float]]]:
    redis = open_test_redis(f"redis://127.0.0.1:{port}/0")
    figures: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for replicas in (0, 1):
            acks = ReplicaAck(replicas, 1000)
            for mode, concurrency in (("sequential", 1), ("16 concurrent", 16)):
                prefix = f"bench:{replicas}:{concurrency}:"
                for name, operation in (await _operations(redis, prefix, acks, count)).items():
                    figures.setdefault(name, {})[f"WAIT {'on' if replicas else 'off'}, {mode}"] = await _time(
                        operation, count, concurrency
                    )
    finally:
        await redis.aclose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="writes per figure (default 2000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        servers = RedisServers(Path(directory))
        try:
            master = servers.server("master")
            servers.replica("replica", master)
            figures = asyncio.run(measure(master.port, args.count))
        finally:
            servers.stop_all()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{'write':32} {'mode':26} {'p50 ms':>7} {'p99 ms':>7} {'CPU µs':>7} {'per s':>8}")
    for name, modes in figures.items():
        for mode, f in modes.items():
            p50, p99 = (f"{f['p50_ms']:.3f}", f"{f['p99_ms']:.3f}") if "p50_ms" in f else ("", "")
            print(f"{name:32} {mode:26} {p50:>7} {p99:>7} {f['cpu_us']:>7.0f} {f['per_s']:>8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
