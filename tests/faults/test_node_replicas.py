"""Two replicas of one region over one PostgreSQL database, addressed by the broker as one gRPC target with
client-side round robin and health checking; one replica SIGKILLed under load costs the region nothing
(issue 13, part 3). ``make test-slow``; the figures are printed and written to var/test-artifacts/faults.json.

Real processes: Beijing and Hebei nodes on SQLite, two Tianjin nodes on one freshly created PostgreSQL database
(warrant replay protection is shared there), one ``python -m broker serve`` given
``JJJ_NODE_TIANJIN=ipv4:127.0.0.1:p1,127.0.0.1:p2``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import pytest

from merge.regions import Region
from tests.e2e.test_replicas import SEED, Processes
from tests.e2e.test_sentinel_failover import _sign_in
from tests.faults.federation import Federation, Reporter, Timed, add_account, percentiles, write_figures

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]

CLIENTS = 20
BEFORE_KILL_S, AFTER_KILL_S = 4.0, 6.0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_one_replica_killed_under_load_costs_its_region_nothing(
    tmp_path: Path,
    processes: Processes,
    postgres_urls: dict[Region, str],
    capsys: pytest.CaptureFixture[str],
    signum: signal.Signals,
) -> None:
    federation = Federation(tmp_path, processes, f"jjjtest:{uuid.uuid4().hex[:10]}:")
    tianjin_db = postgres_urls[Region.TIANJIN]
    seeding = processes.start("seed-pg", [sys.executable, "-m", "adapters", "seed", "--region", "tianjin",
                              "--subjects", "2", "--seed", str(SEED), "--db", tianjin_db])  # fmt: skip
    assert seeding.wait(timeout=120) == 0, processes.log("seed-pg")
    targets = {
        Region.BEIJING: f"127.0.0.1:{federation.node('beijing', Region.BEIJING)}",
        Region.HEBEI: f"127.0.0.1:{federation.node('hebei', Region.HEBEI)}",
    }
    replicas = []
    # Together, as an orchestrator starts them: both create the node's tables on first start (a concurrent CREATE
    # TABLE IF NOT EXISTS fails on PostgreSQL; the advisory lock in adapters/raw_sql.py orders them).
    for n in (1, 2):
        replicas.append(federation.node(f"tianjin-{n}", Region.TIANJIN, db=tianjin_db))
    for n in (1, 2):
        federation.wait_listening(f"tianjin-{n}")
    targets[Region.TIANJIN] = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in replicas)
    base = await federation.broker(targets)
    subject = await add_account(federation)

    outcomes: list[Timed] = []
    stop = asyncio.Event()
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=30)
    ) as session:
        reporter = Reporter(session, base, await _sign_in(session, base, subject), subject)
        first = await reporter.report()
        assert first.status == 200
        assert set(first.regions.values()) == {"answered"}, first

        async def client() -> None:
            while not stop.is_set():
                outcomes.append(await reporter.report())

        tasks = [asyncio.create_task(client()) for _ in range(CLIENTS)]
        await asyncio.sleep(BEFORE_KILL_S)
        killed = time.monotonic()
        federation.signal("tianjin-1", signum)
        await asyncio.sleep(AFTER_KILL_S)
        stop.set()
        await asyncio.gather(*tasks)

    tianjin = Region.TIANJIN.code
    unanswered = [o for o in outcomes if o.regions.get(tianjin) != "answered"]
    unavailable = [o for o in outcomes if o.regions.get(tianjin) not in ("answered", "refused")]
    failed = [o for o in outcomes if o.status != 200]
    before, after = [o.seconds for o in outcomes if o.at < killed], [o.seconds for o in outcomes if o.at >= killed]
    figures = {
        "clients": CLIENTS, "reports": len(outcomes), "failed_http": len(failed),
        "tianjin_unavailable": len(unavailable), "tianjin_refused": len(unanswered) - len(unavailable),
        "before_kill": percentiles(before), "after_kill": percentiles(after),
    }  # fmt: skip
    with capsys.disabled():
        write_figures(f"node_replica_{signum.name.lower()}", figures)
    assert not failed, failed[:5]
    assert after, "no report was asked after the kill"
    assert not unavailable, f"{len(unavailable)} reports marked Tianjin unavailable: {unavailable[:5]}"
    # Stopped as an operator stops it (NOT_SERVING first, calls drained) or killed mid-call: the region loses
    # nothing. A call the dead replica had accepted is asked again on the other under a fresh warrant (its first
    # was spent in the shared replay log; broker/reports/retries.py), so none is refused as a replay either.
    assert not unanswered, unanswered[:5]
