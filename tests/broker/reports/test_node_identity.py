"""The broker end to end against nodes that are not who they claim (issue 10): a node with another region's
certificate, or one from another CA, on a region's address — the report marks that region refused, is incomplete
and never a certificate, and the regions that are who they say still answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.pki import PkiLayout
from broker.app import create_app
from merge.regions import Region
from tests.adapters.tls import raw_tls
from tests.broker.conftest import ENTERPRISE, free_port, settings_for, sign_in, start_nodes, stop_nodes

GOOD = {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"}


@pytest.mark.parametrize("impostor", ["another region's certificate", "another CA's certificate"])
async def test_an_impostor_on_beijings_address_is_refused_never_clean(
    pki: PkiLayout,
    foreign_pki: PkiLayout,
    tmp_path: Path,
    aiohttp_client: Any,
    redis_prefix: str,
    redis_client: aioredis.Redis,
    impostor: str,
) -> None:
    source = pki if impostor.startswith("another region") else foreign_pki
    # Beijing's address answers with Tianjin's (valid, federation-issued) certificate, or with Beijing's name
    # on a certificate of a CA the broker does not trust.
    region = Region.TIANJIN if source is pki else Region.BEIJING
    fake = raw_tls(str(source.node_cert(region)), str(source.node_key(region)), str(source.ca_cert))
    nodes = await start_nodes(pki, tmp_path, tls={Region.BEIJING: fake})
    try:
        port = free_port()
        settings = settings_for(nodes, redis_prefix, public_base_url=f"http://127.0.0.1:{port}")
        client = await aiohttp_client(create_app(settings), server_kwargs={"port": port})
        csrf = await sign_in(client)
        response = await client.post("/v1/reports", json=GOOD, headers={"X-CSRF-Token": csrf})
        assert response.status == 200
        report = await response.json()
    finally:
        await stop_nodes(nodes)
    beijing = next(r for r in report["regions"] if r["code"] == Region.BEIJING.code)
    assert beijing["status"] == "refused"
    assert "TLS identity" in beijing["error"]
    assert report["complete"] is False
    assert report["certificate_usable"] is False
    assert all(row["cells"][Region.BEIJING.code]["state"] == "not_answered" for row in report["matrix"])
    others = [r for r in report["regions"] if r["code"] != Region.BEIJING.code]
    assert [r["status"] for r in others] == ["answered", "answered"]
