"""A benchmark child's interpreter (:class:`bench.procs.Child`): ``python -m bench.child FD CPUS``.

Pins itself to ``CPUS`` before importing anything of the entry (every thread it starts — gRPC's, asyncio's pool —
inherits it), reads the entry (module, name, arguments) from the connection on ``FD``, imports that module only
and runs the entry with the connection.
"""

from __future__ import annotations

import importlib
import os
import sys
from multiprocessing.connection import Connection


def main(argv: list[str]) -> None:
    fd, cpus = int(argv[0]), argv[1]
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})
    conn = Connection(fd)
    # The parent's own message on a socketpair only the two processes hold.
    module_name, qualname, args = conn.recv()
    entry = getattr(importlib.import_module(module_name), qualname)
    try:
        entry(conn, *args)
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
