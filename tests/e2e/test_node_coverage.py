"""Coverage declared by the node (issue 14): a real node process started with ``--coverage FILE`` declares those
domains in Describe and in its signed answer; the broker's merge reports the others as not covered."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from adapters.client import AdapterClient, RegionQuery
from merge.editions import Edition
from merge.regions import Region
from protos.credit.v2 import adapter_pb2, adapter_pb2_grpc
from tests.adapters.test_warrant_check import ENTERPRISE, WINDOW_FROM, WINDOW_TO
from tests.adapters.tls import broker_tls, channel
from tests.conftest import free_port
from tests.e2e.test_node_security import Site, _wait_listening, site, warrant

pytestmark = pytest.mark.e2e
__all__ = ["site"]


async def test_a_node_declares_the_coverage_its_file_gives(site: Site, tmp_path: Path) -> None:
    coverage = tmp_path / "coverage.toml"
    coverage.write_text('domains = ["market_regulation", "taxation", "ecology_environment"]\n', encoding="utf-8")
    port = free_port()
    _wait_listening(site.start(port, "--coverage", str(coverage)), port, site.pki)

    async with channel(f"127.0.0.1:{port}", broker_tls(site.pki)) as ch:
        described = await adapter_pb2_grpc.RegionAdapterStub(ch).Describe(adapter_pb2.DescribeRequest(), timeout=5)
    assert [d.code for d in described.domains] == ["ecology_environment", "market_regulation", "taxation"]

    client = AdapterClient(Region.TIANJIN, f"127.0.0.1:{port}", tls=broker_tls(site.pki))
    token, jti = warrant()
    try:
        answer = await client.fetch(
            RegionQuery(ENTERPRISE, Edition.STANDARD, WINDOW_FROM, WINDOW_TO, "req-cov", token, jti), timeout=10
        )
    finally:
        await client.close()
    assert set(answer.covered_domains) == {"market_regulation", "taxation", "ecology_environment"}


def test_a_malformed_coverage_file_stops_the_node_naming_it(site: Site, tmp_path: Path) -> None:
    coverage = tmp_path / "coverage.toml"
    coverage.write_text('domains = ["taxation", "astrology"]\n', encoding="utf-8")
    done = subprocess.run(
        site.serve_argv(free_port(), "--coverage", str(coverage)), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"{coverage}: field domains: not in the shared catalogue: astrology" in done.stderr
