"""``jjj verify FILE``: a report checked offline with nothing but the file and the published keys (the broker's
JWKS, the federation CA certificate) — and one changed byte in any region's part names that region."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from broker.cli.main import main
from merge.regions import Region
from tests.broker.conftest import Nodes
from tests.broker.verify.test_views import Issued, _changed_in_part, issue

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


async def _published(client: TestClient, issued: Issued, nodes: Nodes, tmp_path: Path) -> dict[str, Path]:  # type: ignore[type-arg]
    """What a bank holding the report has: its JSON and JWS, the broker's JWKS and the federation CA."""
    number, code = issued.report.report_no, issued.code
    token = await (await client.get(f"/v1/reports/{number}/jws", params={"code": code})).read()
    files = {"json": tmp_path / "report.json", "jws": tmp_path / "report.jws", "jwks": tmp_path / "jwks.json"}
    files["json"].write_bytes(issued.body)
    files["jws"].write_bytes(token)
    files["jwks"].write_text(json.dumps(await (await client.get("/.well-known/jwks.json")).json()))
    assert nodes.pki is not None
    files["ca"] = nodes.pki.ca_cert
    return files


def _verify(capsys: pytest.CaptureFixture[str], file: Path, files: dict[str, Path], *extra: str) -> tuple[int, str]:
    code = main(["verify", str(file), "--ca", str(files["ca"]), "--jwks", str(files["jwks"]), *extra])
    return code, capsys.readouterr().out


async def test_a_report_verifies_offline_broker_and_every_region(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await broker_factory()
    files = await _published(client, await issue(client), nodes, tmp_path)
    status, out = _verify(capsys, files["jws"], files)
    assert status == 0, out
    assert "broker: signature valid" in out
    for region in Region:
        assert f"region {region.code}: signed by the region, unchanged" in out
    assert "OK" in out
    status, out = _verify(capsys, files["json"], files, "--jws", str(files["jws"]))
    assert status == 0, out


async def test_one_changed_byte_in_a_region_part_names_that_region(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await broker_factory()
    issued = await issue(client)
    files = await _published(client, issued, nodes, tmp_path)
    for region, old, new in (
        (Region.TIANJIN, b"tianjin 1", b"tianjin 7"),
        (Region.BEIJING, b"beijing 2", b"beijing 8"),
    ):
        changed = tmp_path / f"changed-{region.value}.json"
        changed.write_bytes(_changed_in_part(issued.body, region, old, new))
        # Without the JWS: the regions alone are checked, and the changed one is named.
        status, out = _verify(capsys, changed, files)
        assert status == 1, out
        assert f"region {region.code}: FAILS: signature does not match the document" in out
        others = [r for r in Region if r is not region]
        assert all(f"region {r.code}: signed by the region, unchanged" in out for r in others)
        assert f"FAILED: region {region.code}" in out
        # With the JWS, the broker's signature fails too (it signed the unchanged report).
        status, out = _verify(capsys, changed, files, "--jws", str(files["jws"]))
        assert status == 1
        assert "broker: signature INVALID" in out


async def test_a_part_moved_to_another_region_is_refused_offline(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Beijing's genuine signed part presented as Tianjin's: signed by another region's key.
    client = await broker_factory()
    issued = await issue(client)
    files = await _published(client, issued, nodes, tmp_path)
    document = json.loads(issued.body)
    document["regions"][1]["answer"] = document["regions"][0]["answer"]
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(document, ensure_ascii=False))
    status, out = _verify(capsys, moved, files)
    assert status == 1
    assert "region 120000: FAILS: signing certificate names region 110000, expected 120000" in out


async def test_an_incomplete_report_says_so_and_verifies_what_it_holds(
    broker_factory: Factory, nodes: Nodes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await broker_factory()
    await nodes.stop(Region.HEBEI)
    files = await _published(client, await issue(client), nodes, tmp_path)
    status, out = _verify(capsys, files["jws"], files)
    assert status == 0, out
    assert "region 130000: unavailable, no part" in out
    assert "INCOMPLETE" in out
