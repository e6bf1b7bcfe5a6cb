"""adapters.malloc: with the mmap threshold fixed, freed large buffers leave the process (glibc's dynamic threshold
would keep them in the heap after the first large buffer was freed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from adapters.malloc import glibc

# In a fresh interpreter: one large buffer freed (glibc raises its threshold to its size), then ten 4 MiB
# buffers (with their header, just above the 4 MiB the broker fixes), each followed by a small heap allocation that
# pins the heap's top, freed again; prints how many MiB
# stayed resident.
_PROBE = """
import sys
from adapters.malloc import fix_mmap_threshold
if sys.argv[1] == "fixed" and not fix_mmap_threshold():
    raise SystemExit("not set")
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
big = bytearray(16 << 20)
del big
before = rss()
buffers, pins = [], []
for _ in range(10):
    buffers.append(bytearray(4 << 20))
    pins.append(bytes(2000))
del buffers
print(rss() - before)
"""


def _resident_after_free(mode: str) -> int:
    # Without the variables that set the threshold from outside, so that "stock" is glibc's own behaviour.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    run = subprocess.run([sys.executable, "-c", _PROBE, mode], check=True, capture_output=True, text=True, env=env)
    return int(run.stdout)


# mallopt's parameters are glibc's, and the probe reads /proc: Linux with glibc (Debian, as make demo installs).
@pytest.mark.skipif(not glibc(), reason="glibc's malloc only")
@pytest.mark.parametrize("mode", ["stock", "fixed"])
def test_freed_large_buffers_leave_the_process_only_with_the_threshold_fixed(mode: str) -> None:
    resident = _resident_after_free(mode)
    if mode == "stock":
        assert resident >= 30, "glibc no longer keeps them: adapters.malloc may not be needed any more"
    else:
        assert resident <= 8
