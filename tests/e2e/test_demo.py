"""`jjj demo` as a newcomer runs it: real processes, real Redis, real nodes; Ctrl-C stops every child."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        result: dict[str, object] = json.loads(response.read())
        return result


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return {int(p) for p in out.stdout.split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_demo_starts_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "JJJ_REDIS_URL"}  # the demo starts its own Redis
    demo = subprocess.Popen(
        [sys.executable, "-m", "broker", "demo", "--port", str(port), "--subjects", "25", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output: list[str] = []
    children: set[int] = set()
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("Health:"):
                break
        text = "".join(output)
        assert "jjj demo is running" in text, text
        assert "Example request" in text
        for name in ("redis", "node-beijing", "node-tianjin", "node-hebei", "broker"):
            assert name in text

        health = _get(f"http://127.0.0.1:{port}/healthz")
        assert health["status"] == "ok"
        children = _children(demo.pid)
        assert len(children) == 5  # redis, three nodes, broker
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    assert demo.returncode == 0
    time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]
