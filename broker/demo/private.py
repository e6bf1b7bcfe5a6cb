"""The demo's private files: made once in its data folder, readable by their owner only (0600), never printed.

``subject-key.secret`` (the broker's HMAC key for subjects: even the demo does not run on the published
development value), ``redis.password`` and ``redis/redis.conf`` (the private Redis's ACL user), and
``accounts.txt`` (the seeded subjects' full identifiers: a person's resident ID is shown to nobody but its owner,
so the console prints it masked and points here).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, created 0600 (never readable by others, not even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)


def secret_file(path: Path, nbytes: int = 36) -> str:
    """The secret kept in ``path``, made (random, URL-safe) on first use."""
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(nbytes)
    write_private(path, value + "\n")
    return value


def redis_config(directory: Path, port: int, password: str) -> Path:
    """A Redis configuration for the demo: loopback only, AOF fsynced on every write (grants must survive a crash),
    no default user, one ACL user ``jjj``. The password is in this 0600 file, never on a command line."""
    conf = directory / "redis.conf"
    write_private(
        conf,
        "\n".join(
            (
                f"port {port}",
                "bind 127.0.0.1",
                'save ""',
                "appendonly yes",
                "appendfsync always",
                f"dir {directory.resolve()}",
                "user default off",
                f"user jjj on >{password} ~* &* +@all",
                "",
            )
        ),
    )
    return conf
