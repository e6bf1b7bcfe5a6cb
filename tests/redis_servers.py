"""Private ``redis-server`` processes for tests: masters, replicas, sentinels and a three-master cluster.

Each runs on a free loopback port in a directory of its own, with no persistence, and is stopped by its own pid
(TERM, then KILL) when the test is done; :meth:`RedisServers.kill` is the crash a failover test needs.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.conftest import free_port

SERVICE = "mymaster"
_READY_S = 20.0


@dataclass
class RedisProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    directory: Path

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def client(self, **kwargs: object) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, **kwargs)  # type: ignore[arg-type]


class RedisServers:
    """Starts and stops the servers of one test (or session)."""

    def __init__(self, base: Path) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed (make system installs it)"
        self._binary = binary
        self._base = base
        self.running: list[RedisProcess] = []

    def server(self, name: str, *conf: str) -> RedisProcess:
        """A redis-server with ``conf`` lines added to a minimal, persistence-free configuration."""
        port = free_port()
        directory = self._base / name
        directory.mkdir(parents=True)
        lines = [f"port {port}", "bind 127.0.0.1", f"dir {directory}", 'save ""', "appendonly no",
                 "logfile redis.log", *conf]  # fmt: skip
        (directory / "redis.conf").write_text("\n".join(lines) + "\n")
        return self._start(name, port, directory, [str(directory / "redis.conf")])

    def replica(self, name: str, master: RedisProcess, *conf: str) -> RedisProcess:
        replica = self.server(name, f"replicaof 127.0.0.1 {master.port}", *conf)
        deadline = time.monotonic() + _READY_S
        while b"master_link_status:up" not in replica.client().execute_command("INFO", "replication"):
            assert time.monotonic() < deadline, f"{name} never synced:\n{replica.log()}"
            time.sleep(0.05)
        return replica

    def sentinel(self, name: str, master: RedisProcess, *, down_after_ms: int = 1000) -> RedisProcess:
        port = free_port()
        directory = self._base / name
        directory.mkdir(parents=True)
        conf = directory / "sentinel.conf"  # sentinels rewrite their configuration: a file of their own
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {directory}\nlogfile redis.log\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 2\n"
            f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}\n"
            f"sentinel failover-timeout {SERVICE} 10000\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
        )
        return self._start(name, port, directory, [str(conf), "--sentinel"])

    def cluster(self, masters: int = 3) -> list[RedisProcess]:
        """``masters`` cluster-enabled servers joined by ``redis-cli --cluster create``, all slots covered."""
        nodes = [
            self.server(f"cluster-{i}", "cluster-enabled yes", "cluster-config-file nodes.conf",
                        "cluster-node-timeout 2000", f"cluster-port {free_port()}")
            for i in range(masters)
        ]  # fmt: skip
        cli = shutil.which("redis-cli")
        assert cli is not None
        addresses = [f"127.0.0.1:{node.port}" for node in nodes]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, created.stdout.decode() + created.stderr.decode()
        deadline = time.monotonic() + _READY_S
        for node in nodes:
            while b"cluster_state:ok" not in node.client().execute_command("CLUSTER", "INFO"):
                assert time.monotonic() < deadline, f"{node.name}: cluster not ok:\n{node.log()}"
                time.sleep(0.05)
        return nodes

    def kill(self, server: RedisProcess) -> None:
        """SIGKILL: the server dies as in a crash, without a chance to hand anything on."""
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)

    def stop_all(self) -> None:
        for server in self.running:
            if server.process.poll() is None:
                server.process.terminate()
        for server in self.running:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=5)

    def _start(self, name: str, port: int, directory: Path, argv: list[str]) -> RedisProcess:
        process = subprocess.Popen([self._binary, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = RedisProcess(name, port, process, directory)
        self.running.append(server)
        deadline = time.monotonic() + _READY_S
        while True:
            assert process.poll() is None, f"{name} exited:\n{server.log()}"
            try:
                if server.client(socket_connect_timeout=0.5).ping():
                    return server
            except redis.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"{name} did not answer within {_READY_S:.0f} s:\n{server.log()}"
            time.sleep(0.05)
