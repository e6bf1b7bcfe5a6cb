"""glibc's malloc told to keep large buffers out of its heap, so that a large report's memory goes back to the system.

A report of a 10,000-record subject passes through buffers of several megabytes (the regions' documents, the
canonical JSON, the JWS signing input). glibc serves an allocation above its mmap threshold (128 KiB) with its
own mapping and unmaps it when freed, but it *raises* that threshold to the size of any mapped block freed (up to
32 MiB), so after the first large report the next ones are cut from the heap, whose free space stays resident.
Setting the threshold explicitly turns that adjustment off (mallopt(3), ``M_MMAP_THRESHOLD``). Measured with the
benchmark's large subject (five 10,002-record reports one after another, the same machine and hour): the broker's
peak 221 → 193 MB, resident afterwards 193 → 153 MB (README, perf18). Allocations that large are rare in a
standard report (~19 kB of JSON), so its cost does not change.

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
#: glibc's own initial threshold, now fixed.
MMAP_THRESHOLD_BYTES = 128 * 1024


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
