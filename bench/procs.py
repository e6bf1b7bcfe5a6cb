"""Child processes for the benchmark: nodes, broker, skeleton and load generator each run in their own.

A child entry point is a module-level function ``entry(conn, *args)``: it sends one ready message (anything
picklable; an ``Exception`` means it failed to start) through ``conn`` and, for a server, then waits for any
message on ``conn`` as its signal to stop. Children are started with ``spawn`` so none inherits the parent's
event loop, gRPC state or open sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_CTX = multiprocessing.get_context("spawn")


class ChildFailed(RuntimeError):
    """A child process did not start, or died, or reported an error."""


class Child:
    """One child process; ``start`` returns its ready message, ``stop`` asks it to finish and waits."""

    def __init__(self, entry: Callable[..., None], *args: Any, cpus: frozenset[int] = frozenset()) -> None:
        self._conn, child_conn = _CTX.Pipe()
        self._proc = _CTX.Process(target=_run_pinned, args=(cpus, entry, child_conn, *args), daemon=True)

    @property
    def pid(self) -> int:
        if self._proc.pid is None:
            raise ChildFailed("not started")
        return self._proc.pid

    def start(self, timeout: float = 120.0) -> Any:
        self._proc.start()
        return self.receive(timeout)

    def receive(self, timeout: float) -> Any:
        """The child's next message; raises :class:`ChildFailed` if it sent an error or sent nothing in time."""
        if not self._conn.poll(timeout):
            self.kill()
            raise ChildFailed(f"child {self._proc.name} sent nothing within {timeout:.0f} s")
        try:
            message = self._conn.recv()
        except EOFError:
            raise ChildFailed(f"child {self._proc.name} exited (code {self._proc.exitcode})") from None
        if isinstance(message, Exception):
            self.kill()
            raise ChildFailed(f"child {self._proc.name} failed: {message!r}")
        return message

    def stop(self, timeout: float = 15.0) -> None:
        if self._proc.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send("stop")
            self._proc.join(timeout)
        self.kill()

    def kill(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
        self._conn.close()

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


def _run_pinned(cpus: frozenset[int], entry: Callable[..., None], *args: Any) -> None:
    # Pinned before the entry imports anything, so every thread it starts (gRPC, asyncio's pool) inherits it.
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
    entry(*args)


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
