"""A description of the machine and software a benchmark ran on, for the results file."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

_PACKAGES = ("aiohttp", "grpcio", "protobuf", "pydantic", "pydantic-core", "orjson", "redis", "sqlalchemy", "joserfc")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            capture_output=True, text=True, timeout=5, check=True, cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def describe() -> dict[str, Any]:
    """CPU model, cores, memory, load, OS, Python, key package versions, git commit (and whether it is dirty)."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    status = _git("status", "--porcelain")
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_mb": _memory_mb(),
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in _PACKAGES},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }
