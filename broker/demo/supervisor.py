"""The demo's processes: children started with their logs in one folder, and stopped together.

Also the small socket helpers the demo picks its ports with.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None) -> int:
    if preferred is not None and port_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Child:
    name: str
    where: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Supervisor:
    logs: Path
    children: list[Child] = field(default_factory=list)

    def start(
        self, name: str, where: str, argv: list[str], env: dict[str, str] | None = None, *, umask: int = -1
    ) -> Child:
        log_path = self.logs / f"{name}.log"
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 - argv built from our own interpreter and options
                argv, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True, umask=umask
            )
        child = Child(name, where, process, log_path)
        self.children.append(child)
        return child

    def dead(self, *, essential_only: bool = False) -> Child | None:
        return next(
            (
                c
                for c in self.children
                if c.process.poll() is not None and not (essential_only and c.name.startswith("node-"))
            ),
            None,
        )

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.terminate()
        deadline = time.monotonic() + 10
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
