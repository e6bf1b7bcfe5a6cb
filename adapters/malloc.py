"""glibc's malloc told to keep large buffers out of its heap, so that a large report's memory goes back to the system.

A report of a 10,000-record subject passes through buffers of several megabytes (the regions' documents, the
canonical JSON, the JWS signing input). glibc serves an allocation above its mmap threshold (128 KiB) with its
own mapping and unmaps it when freed, but it *raises* that threshold to the size of any mapped block freed (up to
32 MiB), so after the first large report the next ones are cut from the heap, whose free space stays resident.
Setting the threshold explicitly turns that adjustment off (mallopt(3), ``M_MMAP_THRESHOLD``). At 4 MiB: only the
few largest buffers (the canonical JSON, the signing input) get mappings of their own, each page faulted in once
per report. Measured with the benchmark's large subject (five 10,002-record reports one after another, runs
alternating with the previous commit, medians): the broker's peak 212 → 197 MB, resident afterwards 174 → 156 MB,
p50 720 → 705 ms. glibc's own 128 KiB, fixed, kept the same memory but cost ~30 % of the large report's time in
page faults (935 ms). A standard report (~19 kB of JSON) allocates nothing that large.

Only where the C library is glibc (it is called before any thread starts: mallopt is not thread-safe);
elsewhere (musl, macOS) nothing is changed.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger("jjj.malloc")

#: mallopt(3)'s parameter number for the mmap threshold (glibc's malloc.h).
_M_MMAP_THRESHOLD = -3
#: Fixed here: above it a buffer is mapped (and unmapped when freed); see the module docstring for why 4 MiB.
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes for this process; whether it was set (false where the C
    library is not glibc or refuses the value)."""
    if not glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this interpreter is linked with
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(_M_MMAP_THRESHOLD, threshold))
    if not done:
        log.warning("mallopt(M_MMAP_THRESHOLD, %d) refused: large buffers may stay resident", threshold)
    return done


def glibc() -> bool:
    """Whether this process's C library is glibc (whose mallopt parameters these are)."""
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):  # unknown name, or no confstr at all
        return False
