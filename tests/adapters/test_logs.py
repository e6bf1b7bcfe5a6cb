"""Structured logs: one JSON object per line, with the fields a call site gives."""

from __future__ import annotations

import json
import logging

import pytest

from adapters import logs


def test_a_log_line_is_one_json_object_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure(logging.INFO)
        logging.getLogger("jjj.test").info("report %s issued", "JJJ-1", extra={"request_id": "r-1", "ms": 12.5})
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "report JJJ-1 issued"
    assert record["level"] == "INFO"
    assert record["logger"] == "jjj.test"
    assert record["request_id"] == "r-1"
    assert record["ms"] == 12.5
    assert "time" in record


def test_libraries_that_log_secrets_are_held_at_warning() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure(logging.DEBUG)
        for name in logs.SECRET_LOGGERS:
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
