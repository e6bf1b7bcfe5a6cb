"""Child processes for the benchmark: nodes, broker, skeleton and load generator each run in their own.

A child entry point is a module-level function ``entry(conn, *args)``: it sends one ready message (anything
picklable; an ``Exception`` means it failed to start) through ``conn`` and, for a server, then waits for any
message on ``conn`` as its signal to stop.

Each child is a fresh interpreter (``python -m bench.child``) that imports the entry's module and nothing else:
none inherits the parent's event loop, gRPC state or open sockets, and — unlike multiprocessing's ``spawn``,
which first re-imports the parent's ``__main__`` (here the whole benchmark, node database stack included) —
a child's memory is what its own code loads. The broker's resident memory is a figure the benchmark reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


class ChildFailed(RuntimeError):
    """A child process did not start, or died, or reported an error."""


class Child:
    """One child process; ``start`` returns its ready message, ``stop`` asks it to finish and waits."""

    def __init__(self, entry: Callable[..., None], *args: Any, cpus: frozenset[int] = frozenset()) -> None:
        self._entry = entry
        self._args = args
        self._cpus = cpus
        self._name = f"{entry.__module__}.{entry.__qualname__}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ChildFailed("not started")
        return self._proc.pid

    def start(self, timeout: float = 120.0) -> Any:
        ours, theirs = socket.socketpair()
        with ours, theirs:
            self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "bench.child", str(theirs.fileno()), ",".join(map(str, sorted(self._cpus)))],
                pass_fds=(theirs.fileno(),),
            )
            self._conn = Connection(os.dup(ours.fileno()))
        self._conn.send((self._entry.__module__, self._entry.__qualname__, self._args))
        return self.receive(timeout)

    def receive(self, timeout: float) -> Any:
        """The child's next message; raises :class:`ChildFailed` if it sent an error or sent nothing in time."""
        conn, proc = self._started()
        if not conn.poll(timeout):
            self.kill()
            raise ChildFailed(f"child {self._name} sent nothing within {timeout:.0f} s")
        try:
            message = conn.recv()
        except EOFError:
            proc.poll()
            raise ChildFailed(f"child {self._name} exited (code {proc.returncode})") from None
        if isinstance(message, Exception):
            self.kill()
            raise ChildFailed(f"child {self._name} failed: {message!r}")
        return message

    def stop(self, timeout: float = 15.0) -> None:
        if self._proc is not None and self._conn is not None and self._proc.poll() is None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send("stop")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout)
        self.kill()

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _started(self) -> tuple[Connection, subprocess.Popen[bytes]]:
        if self._conn is None or self._proc is None:
            raise ChildFailed(f"child {self._name} not started")
        return self._conn, self._proc

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def cpu_split() -> tuple[frozenset[int], frozenset[int]]:
    """(server CPUs, everything-else CPUs): the server under test gets a core of its own, as on its own
    machine, and the nodes and the load generator share the rest. No split (empty sets) on a single core."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(available) < 2:
        return frozenset(), frozenset()
    return frozenset(available[:1]), frozenset(available[1:])


def serve_in_child(
    conn: Connection,
    start: Callable[[], Awaitable[tuple[Any, Callable[[], Awaitable[None]]]]],
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> None:
    """Run in a child: ``start()`` returns (ready message, async stop); serve until the parent says stop.
    ``loop_factory`` makes the event loop (asyncio's default without one)."""

    async def main() -> None:
        try:
            ready, stop = await start()
        except Exception as exc:
            conn.send(ChildFailed(f"{type(exc).__name__}: {exc}"))
            return
        conn.send(ready)
        try:
            await asyncio.to_thread(_wait, conn)
        finally:
            await stop()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())


def _wait(conn: Connection) -> None:
    with contextlib.suppress(EOFError):  # the parent went away: stop too
        conn.recv()


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """``(VmHWM, VmRSS)`` of a process in MB, from ``/proc/<pid>/status`` (Linux)."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmHWM"], values["VmRSS"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process (all its threads) has used so far, from ``/proc/<pid>/stat`` (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
