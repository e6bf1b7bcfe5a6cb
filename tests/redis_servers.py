"""Private ``redis-server`` processes for tests: masters, replicas, sentinels and a three-master cluster.

Each runs on a free loopback port in a directory of its own, with no persistence, and is stopped by its own pid
(TERM, then KILL) when the test is done; :meth:`RedisServers.kill` is the crash a failover test needs.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
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
    argv: list[str]
    #: How a client reaches it (TLS, a user and password), for :meth:`client` and the readiness checks.
    connect: dict[str, object] = field(default_factory=dict)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def client(self, **kwargs: object) -> redis.Redis:
        options: dict[str, object] = {"host": "127.0.0.1", "socket_timeout": 5, **self.connect, **kwargs}
        return redis.Redis(port=self.port, **options)  # type: ignore[arg-type]


class RedisServers:
    """Starts and stops the servers of one test (or session)."""

    def __init__(self, base: Path) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed (make system installs it)"
        self._binary = binary
        self._base = base
        self.running: list[RedisProcess] = []

    def server(self, name: str, *conf: str, connect: dict[str, object] | None = None) -> RedisProcess:
        """A redis-server with ``conf`` lines (``{port}``: its port) added to a minimal, persistence-free
        configuration; later lines win, so ``port 0`` then ``tls-port {port}`` makes a TLS-only server."""
        port = free_port()
        directory = self._base / name
        directory.mkdir(parents=True)
        lines = [f"port {port}", "bind 127.0.0.1", f"dir {directory}", 'save ""', "appendonly no",
                 "logfile redis.log", "repl-diskless-sync-delay 0",
                 *(c.replace("{port}", str(port)) for c in conf)]  # fmt: skip
        (directory / "redis.conf").write_text("\n".join(lines) + "\n")
        return self._start(name, port, directory, [str(directory / "redis.conf")], connect or {})

    def replica(
        self,
        name: str,
        master: RedisProcess,
        *conf: str,
        host: str = "127.0.0.1",
        connect: dict[str, object] | None = None,
    ) -> RedisProcess:
        replica = self.server(name, f"replicaof {host} {master.port}", *conf, connect=connect)
        deadline = time.monotonic() + _READY_S
        while not (_in_sync(replica) and _in_sync(master)):
            assert time.monotonic() < deadline, f"{name} never synced:\n{replica.log()}"
            time.sleep(0.05)
        _acknowledges(master, 1)
        return replica

    def sentinel(
        self,
        name: str,
        master: RedisProcess,
        *conf: str,
        down_after_ms: int = 1000,
        quorum: int = 2,
        host: str = "127.0.0.1",
        connect: dict[str, object] | None = None,
    ) -> RedisProcess:
        port = free_port()
        directory = self._base / name
        directory.mkdir(parents=True)
        path = directory / "sentinel.conf"  # sentinels rewrite their configuration: a file of their own
        lines = [f"port {port}", "bind 127.0.0.1", f"dir {directory}", "logfile redis.log",
                 *(c.replace("{port}", str(port)) for c in conf),
                 f"sentinel monitor {SERVICE} {host} {master.port} {quorum}",
                 f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}",
                 f"sentinel failover-timeout {SERVICE} 10000", f"sentinel parallel-syncs {SERVICE} 1"]  # fmt: skip
        path.write_text("\n".join(lines) + "\n")
        return self._start(name, port, directory, [str(path), "--sentinel"], connect or {})

    def cluster(self, masters: int = 3, replicas: int = 0) -> list[RedisProcess]:
        """``masters`` cluster-enabled servers (and ``replicas`` replicas of each) joined by ``redis-cli --cluster
        create``, all slots covered, every replica in sync; returns every node, masters first."""
        nodes = [
            self.server(f"cluster-{i}", "cluster-enabled yes", "cluster-config-file nodes.conf",
                        "cluster-node-timeout 2000", f"cluster-port {free_port()}")
            for i in range(masters * (1 + replicas))
        ]  # fmt: skip
        cli = shutil.which("redis-cli")
        assert cli is not None
        addresses = [f"127.0.0.1:{node.port}" for node in nodes]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", str(replicas), "--cluster-yes"],
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
        if replicas:
            for node in nodes:
                while not _in_sync(node):
                    assert time.monotonic() < deadline, f"{node.name}: replicas not in sync:\n{node.log()}"
                    time.sleep(0.05)
            for node in nodes:
                if node.client().info("replication")["role"] == "master":
                    _acknowledges(node, replicas)
        return sorted(nodes, key=lambda node: node.client().info("replication")["role"] != "master")

    def replicas_of(self, master: RedisProcess) -> list[RedisProcess]:
        info = master.client().info("replication")
        ports = {int(value["port"]) for key, value in info.items() if key.startswith("slave") and key[5:].isdigit()}
        return [server for server in self.running if server.port in ports]

    def pause(self, server: RedisProcess) -> None:
        """SIGSTOP: the server is there (its connections stay open) but answers nothing, as a stalled one would."""
        server.process.send_signal(signal.SIGSTOP)

    def resume(self, server: RedisProcess) -> None:
        server.process.send_signal(signal.SIGCONT)

    def kill(self, server: RedisProcess) -> None:
        """SIGKILL: the server dies as in a crash, without a chance to hand anything on."""
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)

    def restart(self, server: RedisProcess) -> RedisProcess:
        """The same server (port, configuration, directory) started again, as a supervisor would after a crash."""
        assert server.process.poll() is not None, f"{server.name} is still running"
        self.running.remove(server)
        return self._start(server.name, server.port, server.directory, server.argv, server.connect)

    def stop_all(self) -> None:
        for server in self.running:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGCONT)  # a paused server would not act on TERM
                server.process.terminate()
        for server in self.running:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=5)

    def _start(
        self, name: str, port: int, directory: Path, argv: list[str], connect: dict[str, object] | None = None
    ) -> RedisProcess:
        process = subprocess.Popen([self._binary, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = RedisProcess(name, port, process, directory, argv, connect or {})
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


def _in_sync(node: RedisProcess) -> bool:
    info = node.client().info("replication")
    if info["role"] == "master":
        return int(info["connected_slaves"]) > 0 and all(
            value["state"] == "online" for key, value in info.items() if key.startswith("slave") and key[5:].isdigit()
        )
    return info.get("master_link_status") == "up"


def _acknowledges(master: RedisProcess, replicas: int) -> None:
    """Wait until a write on ``master`` is acknowledged by ``replicas``: a replica that has just synced is "online"
    before its first acknowledgement (up to a second later) lets the master stream to it."""
    client = master.client()
    for index in range(10_000):  # a key of a slot this master serves (a cluster node answers MOVED for the others)
        try:
            client.set(f"jjjtest:synced:{index}", "1", ex=60)
        except redis.ResponseError:
            continue
        break
    assert client.execute_command("WAIT", replicas, 10_000) >= replicas, f"{master.name}: no acknowledgement"
