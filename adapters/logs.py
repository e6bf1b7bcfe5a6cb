"""Structured logs: one JSON object per line on standard error, for ``jjj serve`` and ``jjj adapter serve`` alike
(here, the lower package, so a node needs nothing of the broker's).

Every line has ``time``, ``level``, ``logger`` and ``message``; what a call site passes in ``extra`` (request id,
region, status, milliseconds, a *masked* subject) becomes fields of its own, so an operator filters by
``request_id`` across the broker's and the nodes' lines. Nothing here masks: call sites never pass a full
resident ID, a token or a verification code (the leak scan in the fault suite checks the logs). Libraries that
log secrets at debug level are held at WARNING whatever the level asked for: SQL *with its parameters*
(aiosqlite, SQLAlchemy's engine, asyncpg — the parameters are subjects' identifiers) and the tokens authlib
issues (found by the leak scan).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

#: Loggers that would write secrets at DEBUG or INFO: query parameters (full resident IDs), access tokens.
SECRET_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg", "authlib")


def quiet_libraries() -> None:
    for name in SECRET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure(level: int = logging.INFO, *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
