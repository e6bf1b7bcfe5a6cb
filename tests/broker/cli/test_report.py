"""``jjj report`` as a real process against the real nodes and Redis: progress per region, code, file, exit codes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import redis.asyncio as aioredis

from broker.audit.writes import chain_key
from merge.regions import Region
from merge.verification_code import is_well_formed, lookup_id
from tests.broker.conftest import ENTERPRISE, SUBJECT_KEY_SECRET, WARRANT_ISSUER, Nodes
from tests.conftest import REDIS_URL


async def run_report(nodes: Nodes, prefix: str, *args: str) -> tuple[int, str, str]:
    env = dict(os.environ)
    env.update(
        JJJ_REDIS_URL=REDIS_URL,
        JJJ_REDIS_PREFIX=prefix,
        JJJ_KEYS_DIR=str(nodes.keys_dir),
        JJJ_NODE_BEIJING=nodes.targets[Region.BEIJING],
        JJJ_NODE_TIANJIN=nodes.targets[Region.TIANJIN],
        JJJ_NODE_HEBEI=nodes.targets[Region.HEBEI],
        JJJ_REQUEST_DEADLINE_S="3",
        JJJ_WARRANT_ISSUER=WARRANT_ISSUER,
        JJJ_SUBJECT_KEY_SECRET=SUBJECT_KEY_SECRET,
    )
    if nodes.pki is not None:
        env.update(
            JJJ_TLS_CERT=str(nodes.pki.broker_cert),
            JJJ_TLS_KEY=str(nodes.pki.broker_key),
            JJJ_TLS_CA=str(nodes.pki.ca_cert),
        )
    # The nodes run in this test's event loop, so the child is awaited, never waited for synchronously.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "broker", "report", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_report_written_with_progress_and_code(
    nodes: Nodes, tmp_path: Path, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    out = tmp_path / "report.json"
    code, stdout, stderr = await run_report(
        nodes, redis_prefix, "--subject", ENTERPRISE, "--edition", "standard", "--purpose", "bidding",
        "--out", str(out), "--consent-ref", "TJ-2026-0001",
    )  # fmt: skip
    assert code == 0, stderr
    for name, number in (("北京市", "110000"), ("天津市", "120000"), ("河北省", "130000")):
        assert re.search(rf"^{name} {number} answered 2 records \d+ ms$", stdout, re.MULTILINE), stdout
    body = out.read_bytes()
    report = json.loads(body)
    assert report["complete"] is True
    assert f"report {report['report_no']} written to {out}" in stdout
    assert f"sha256:{hashlib.sha256(body).hexdigest()}" in stdout
    match = re.search(r"^verification code: (\S+)$", stdout, re.MULTILINE)
    assert match is not None
    assert is_well_formed(match.group(1))
    meta = await redis_client.hgetall(chain_key(redis_prefix, f"report:meta:{lookup_id(match.group(1))}"))
    assert meta[b"report_no"] == report["report_no"].encode()


async def test_region_down_is_shown_and_exit_says_incomplete(
    nodes: Nodes, tmp_path: Path, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    await nodes.stop(Region.HEBEI)
    out = tmp_path / "report.json"
    code, stdout, stderr = await run_report(
        nodes, redis_prefix, "--subject", ENTERPRISE, "--out", str(out), "--consent-ref", "x"
    )
    assert code == 3
    assert re.search(r"^河北省 130000 unavailable", stdout, re.MULTILINE), stdout
    assert "INCOMPLETE" in stderr
    assert json.loads(out.read_bytes())["complete"] is False


async def test_bad_input_exits_2_naming_the_field(
    nodes: Nodes, tmp_path: Path, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    out = tmp_path / "report.json"
    code, _, stderr = await run_report(
        nodes, redis_prefix, "--subject", ENTERPRISE[:-1] + "0", "--out", str(out), "--consent-ref", "x"
    )
    assert code == 2
    assert "subject" in stderr
    assert not out.exists()
    assert [k async for k in redis_client.scan_iter(match=f"{redis_prefix}*")] == []

    code, _, stderr = await run_report(
        nodes, redis_prefix, "--subject", ENTERPRISE, "--out", str(tmp_path / "r.txt"), "--consent-ref", "x"
    )
    assert code == 2
    assert "--out" in stderr
    code, _, stderr = await run_report(nodes, redis_prefix, "--subject", ENTERPRISE, "--out", str(out))
    assert code == 2
    assert "--consent-ref" in stderr


async def test_missing_keys_is_a_clear_failure(nodes: Nodes, tmp_path: Path, redis_prefix: str) -> None:
    empty = Nodes(servers=nodes.servers, targets=nodes.targets, keys_dir=tmp_path / "no-keys")
    code, _, stderr = await run_report(
        empty, redis_prefix, "--subject", ENTERPRISE, "--out", str(tmp_path / "r.json"), "--consent-ref", "x"
    )
    assert code == 1
    assert "jjj keys init" in stderr


async def test_pdf_out_is_signed_and_downloadable_with_the_code(
    nodes: Nodes, tmp_path: Path, redis_prefix: str, redis_client: aioredis.Redis
) -> None:
    from broker.keys import load_keyring
    from broker.pdf.sign import check_pdf_signature_async

    out = tmp_path / "report.pdf"
    code, stdout, stderr = await run_report(
        nodes, redis_prefix, "--subject", ENTERPRISE, "--purpose", "bidding", "--out", str(out), "--consent-ref", "x"
    )
    assert code == 0, stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    check = await check_pdf_signature_async(pdf, load_keyring(nodes.keys_dir).ca_cert)
    assert check.ok, check
    match = re.search(r"^verification code: (\S+)$", stdout, re.MULTILINE)
    assert match is not None
    # The PDF is kept with the snapshot: its digest is in the report's metadata.
    meta = await redis_client.hgetall(chain_key(redis_prefix, f"report:meta:{lookup_id(match.group(1))}"))
    assert any(hashlib.sha256(pdf).hexdigest() in value.decode() for value in meta.values()), meta
