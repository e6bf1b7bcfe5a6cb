"""`jjj demo` as a newcomer runs it, driven over HTTP like a browser: real processes, Redis, nodes and bank.

Sign in once as a seeded enterprise, get its three-region report, approve the demo bank's authorization
request, watch the bank fetch the report, see that query under "who queried me", revoke the grant, and the
bank's next request is refused. Then stop a node: the next report says that region did not answer. Ctrl-C
stops every child.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from adapters.seed import demo_subjects
from merge.identifiers import SubjectKind, parse_subject
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

ENTERPRISE = "91110112WD3EC8YYCL"  # demo_subjects(2026)[0]: records in all three regions
PASSWORD = "jjj-demo-password"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def _children(pid: int) -> dict[str, int]:
    """The demo's children by what they run (node-hebei, broker, bank, redis)."""
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    found: dict[str, int] = {}
    for line in out.stdout.splitlines():
        child_pid, args = line.strip().split(maxsplit=1)
        if "adapters serve" in args:
            found["node-" + args.split("--region ")[1].split()[0]] = int(child_pid)
        elif "broker.demo.bank" in args:
            found["bank"] = int(child_pid)
        elif "broker serve" in args:
            found["broker"] = int(child_pid)
        elif "redis-server" in args:
            found["redis"] = int(child_pid)
    return found


def _assert_nothing_leaks(text: str, data: Path) -> None:
    """Issue 10: the console shows no full resident ID; the demo's secrets are files only their owner reads;
    its Redis answers nobody without the password; the nodes speak mTLS."""
    persons = [s for s in demo_subjects(2026) if s.kind is SubjectKind.PERSON]
    assert persons
    for person in persons:
        assert person.identifier not in text
        assert parse_subject(person.identifier).masked in text
    assert "accounts.txt" in text
    for name in ("accounts.txt", "subject-key.secret", "redis.password", "redis/redis.conf"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    assert all(person.identifier in (data / "accounts.txt").read_text() for person in persons)
    redis_port = int(re.search(r"redis\s+127\.0\.0\.1:(\d+)", text).group(1))  # type: ignore[union-attr]
    with socket.create_connection(("127.0.0.1", redis_port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        assert sock.recv(64).startswith(b"-NOAUTH")
    for path in (data / "redis").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    assert "federation PKI" in text


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def _walk_through(base: str, bank: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=30)) as browser:
        # 1. Sign in once.
        page = await (await browser.get(f"{base}/signin")).text()
        form = {**_hidden_fields(page), "subject": ENTERPRISE, "password": PASSWORD, "next": "/account"}
        response = await browser.post(f"{base}/signin", data=form)
        assert response.status == 200
        assert "授权与查询记录" in await response.text()  # the account page

        # 2. Its own three-region report, from the account page.
        page = await (await browser.get(f"{base}/account")).text()
        csrf = _hidden_fields(page)["csrf_token"]
        data = {"csrf_token": csrf, "subject": ENTERPRISE, "edition": "standard", "window_years": "3"}
        response = await browser.post(f"{base}/account/report", data={**data, "purpose": "bidding"})
        report_page = await response.text()
        assert response.status == 200, report_page
        assert re.search(r"<dt>报告编号</dt><dd>JJJ-\d{8}-\d{6}</dd>", report_page), report_page  # the report view
        assert "完整：三地均已应答" in report_page

        # 3. The bank asks; the subject sees the consent screen and approves; the bank fetches the report.
        response = await browser.post(f"{bank}/start", data={"subject": ENTERPRISE}, allow_redirects=False)
        assert response.status == 303
        authorize = response.headers["Location"]
        assert authorize.startswith(f"{base}/oauth/authorize?")
        consent_page = await (await browser.get(authorize)).text()
        assert "示例银行" in consent_page
        assert "同意授权" in consent_page
        decision = {**_hidden_fields(consent_page), "decision": "approve"}
        response = await browser.post(f"{base}/oauth/authorize", data=decision, allow_redirects=False)
        assert response.status in {302, 303}, await response.text()
        callback = response.headers["Location"]
        assert callback.startswith(f"{bank}/callback?")
        assert "iss=" in callback
        bank_page = await (await browser.get(callback)).text()
        assert re.search(r"报告编号 JJJ-\d{8}-\d{6}", bank_page), bank_page
        assert "三地均已应答" in bank_page

        # 4. Who queried me: the bank's query is there.
        queries = await (await browser.get(f"{base}/v1/me/queries")).json()
        assert any("示例银行" in str(q.get("grantee_name", "")) for q in queries["queries"]), queries

        # 5. Revoke the grant; the bank's next request with the same token is refused.
        grants = (await (await browser.get(f"{base}/v1/grants")).json())["grants"]
        active = [g for g in grants if g["status"] == "active"]
        assert len(active) == 1
        grant_id = active[0]["grant"]["id"] if "grant" in active[0] else active[0]["id"]
        response = await browser.post(f"{base}/v1/grants/{grant_id}/revoke", headers={"X-CSRF-Token": csrf})
        assert response.status == 200, await response.text()
        refused = await (await browser.post(f"{bank}/fetch")).text()
        assert "查询被拒绝" in refused


async def _financial_walk(base: str, staff_pages: dict[str, str]) -> str:
    """Step 5: the financial edition, asked for, confirmed by each region's departments on its staff page, then
    issued; returns the report page."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)) as browser:
        page = await (await browser.get(f"{base}/signin")).text()
        form = {**_hidden_fields(page), "subject": ENTERPRISE, "password": PASSWORD, "next": "/account"}
        await browser.post(f"{base}/signin", data=form)
        csrf = _hidden_fields(await (await browser.get(f"{base}/account")).text())["csrf_token"]
        data = {"csrf_token": csrf, "subject": ENTERPRISE, "edition": "financial", "window_years": "3",
                "purpose": "financing"}  # fmt: skip
        pending = await (await browser.post(f"{base}/account/report", data=data)).text()
        assert "待部门确认" in pending, pending
        number = re.search(r'action="/account/reports/pending/(JJJ-\d{8}-\d{6})"', pending)
        assert number is not None, pending
    decided = 0
    for region, staff in staff_pages.items():
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as clerk:
            signin = _hidden_fields(await (await clerk.get(f"{staff}signin")).text())
            response = await clerk.post(f"{staff}signin", data={**signin, "username": "staff", "password": PASSWORD})
            assert response.status == 200, region
            queue = await (await clerk.get(f"{staff}confirmations")).text()
            for confirmation_id in re.findall(r'href="/confirmations/([0-9a-f]{32})"', queue):
                detail = await (await clerk.get(f"{staff}confirmations/{confirmation_id}")).text()
                token = _hidden_fields(detail)["csrf_token"]
                done = await clerk.post(f"{staff}confirmations/{confirmation_id}/decide",
                                        data={"csrf_token": token, "decision": "confirm"})  # fmt: skip
                assert done.status == 200, await done.text()
                decided += 1
    assert decided > 0
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)) as browser:
        response = await browser.post(f"{base}/account/reports/pending/{number[1]}", data={"csrf_token": csrf})
        report_page = await response.text()
        assert response.status == 200, report_page
        assert f"<dd>{number[1]}</dd>" in report_page
        return report_page


async def _report_after_node_stopped(base: str) -> tuple[str, str]:
    """The page the own-report form answers with a region down (the choice: retry, or take it incomplete), and the
    report taken incomplete."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=30)) as browser:
        page = await (await browser.get(f"{base}/signin")).text()
        form = {**_hidden_fields(page), "subject": ENTERPRISE, "password": PASSWORD, "next": "/account"}
        await browser.post(f"{base}/signin", data=form)
        page = await (await browser.get(f"{base}/account")).text()
        data = {"csrf_token": _hidden_fields(page)["csrf_token"], "subject": ENTERPRISE, "edition": "standard"}
        data |= {"window_years": "3", "purpose": "bidding"}
        choice = await (await browser.post(f"{base}/account/report", data=data)).text()
        taken = await (await browser.post(f"{base}/account/report", data={**data, "accept_incomplete": "1"})).text()
        return choice, taken


def test_demo_walkthrough(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "JJJ_REDIS_URL"}  # the demo starts its own Redis
    demo = subprocess.Popen(
        [sys.executable, "-m", "broker", "demo", "--port", str(port), "--subjects", "25", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output: list[str] = []
    children: dict[str, int] = {}
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Health:"):
                break
        text = "".join(output)
        assert "jjj demo is running" in text, text
        bank = re.search(r"demo bank at (http://127\.0\.0\.1:\d+)/", text)
        assert bank is not None, text
        children = _children(demo.pid)
        assert set(children) == {"redis", "node-beijing", "node-tianjin", "node-hebei", "broker", "bank"}
        _assert_nothing_leaks(text, tmp_path)

        base = f"http://127.0.0.1:{port}"
        asyncio.run(_walk_through(base, bank.group(1)))
        staff_pages = dict(re.findall(r"node-(\w+)\s.*staff page (http://127\.0\.0\.1:\d+/)", text))
        assert set(staff_pages) == {"beijing", "tianjin", "hebei"}, text
        report_page = asyncio.run(_financial_walk(base, staff_pages))
        assert "部门确认与电子印章" in report_page
        assert "尚未确认" not in report_page
        assert "已确认（" in report_page

        os.kill(children["node-hebei"], signal.SIGTERM)
        time.sleep(0.5)
        choice, page = asyncio.run(_report_after_node_stopped(base))
        assert "有地区未应答，报告尚未出具" in choice
        assert "河北省" in choice
        assert "不完整：部分地区未应答" in page
        assert "不得作为无违法违规证明使用" in page
        assert demo.poll() is None  # a node going down does not end the demo
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    assert demo.returncode == 0
    time.sleep(0.2)
    assert not [name for name, pid in children.items() if _alive(pid)]
