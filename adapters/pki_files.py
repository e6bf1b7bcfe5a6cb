"""Writing key and certificate files safely: atomically, 0600, never over an existing file unless asked.

Why not ``Path.write_bytes`` then ``chmod``: between the two a private key is readable with the umask's
permissions, and a crash leaves half a PEM where the node expects a key. Here the temporary file is created 0600
(``O_EXCL``) beside its target, fsynced, then *linked* into place (fails if the target exists: no accidental
overwrite) or *renamed* over it (replace, after the old file was kept under ``retired/``).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
RETIRED = "retired"


class PkiError(ValueError):
    """A PKI file is missing, unreadable or not what it should be; the message names the file (and setting)."""


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600. Without ``replace``, an existing ``path`` is an error
    (:class:`PkiError`) and is left untouched."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise PkiError(f"{path}: already exists; not overwritten (rotate or use --force)") from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def write_new(path: Path, data: bytes) -> None:
    write_file(path, data, replace=False)


def retire(directory: Path, paths: Iterable[Path]) -> Path | None:
    """Keep a copy of each of ``paths`` under ``directory/retired/<UTC time>/`` (hard links: same bytes, same
    0600, no window in which the original is missing). Returns that folder, or ``None`` if nothing was kept."""
    paths = list(paths)
    if not paths:
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = directory / RETIRED / stamp
    folder.mkdir(parents=True, mode=DIR_MODE)
    for path in paths:
        try:
            os.link(path, folder / path.name)
        except OSError:  # a file system without hard links: copy, still atomically and 0600
            write_new(folder / path.name, path.read_bytes())
    return folder


def file_mode(path: Path) -> int:
    """The permission bits of ``path`` (tests and ``jjj certs show`` check keys are 0600)."""
    return os.stat(path).st_mode & 0o777
