"""Editions as data across processes: real node processes (``python -m adapters serve``) started with and without
an operator's edition directory, asked by the broker's client with warrants the broker signs from its own files.

Shown: a node holding the same custom edition answers under its rules; a node without it, or holding another
version of it, refuses (the region is ``refused`` with the reason, never clean); a malformed edition file stops a
node at start-up naming the file and the field.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from merge.edition_files import EDITIONS_DIR_ENV, install, load_catalogue
from merge.editions import Edition
from tests.conftest import free_port
from tests.e2e.test_node_security import Site, _wait_listening, ask, site

pytestmark = pytest.mark.e2e
__all__ = ["site"]  # the module-scoped fixture, shared

CUSTOM_DIR = Path(__file__).parents[1] / "data" / "editions"


@pytest.fixture
def broker_editions() -> Iterator[None]:
    """This process plays the broker: it holds the operator's directory as its settings would give it."""
    install(load_catalogue(CUSTOM_DIR))
    yield
    install(load_catalogue())


def start(site: Site, editions_dir: Path | None) -> int:
    port = free_port()
    flags = ["--editions-dir", str(editions_dir)] if editions_dir else []
    _wait_listening(site.start(port, *flags), port, site.pki)
    return port


async def test_a_node_with_the_same_edition_file_answers_in_it(site: Site, broker_editions: None) -> None:
    port = start(site, CUSTOM_DIR)
    assert await ask(site, port, edition=Edition("construction")) == ("answered", "1 records")


async def test_a_node_without_the_edition_refuses_never_clean(site: Site, broker_editions: None) -> None:
    port = start(site, None)
    status, reason = await ask(site, port, edition=Edition("construction"))
    assert status == "refused"
    assert "this node holds no edition 'construction'" in reason
    assert await ask(site, port, edition=Edition.STANDARD) == ("answered", "1 records")  # the shipped ones still agree


async def test_a_node_holding_another_version_refuses(site: Site, broker_editions: None, tmp_path: Path) -> None:
    text = (CUSTOM_DIR / "construction.toml").read_text(encoding="utf-8")
    (tmp_path / "construction.toml").write_text(text.replace("2026.1", "2026.2"), encoding="utf-8")
    port = start(site, tmp_path)
    status, reason = await ask(site, port, edition=Edition("construction"))
    assert status == "refused"
    assert "edition construction version 2026.1" in reason
    assert "version 2026.2" in reason


def test_a_malformed_edition_file_stops_the_node_naming_file_and_field(site: Site, tmp_path: Path) -> None:
    text = (CUSTOM_DIR / "construction.toml").read_text(encoding="utf-8")
    (tmp_path / "construction.toml").write_text(text.replace("omit_minor = false", 'omit_minor = "no"'), "utf-8")
    argv = site.serve_argv(free_port())
    env = {**os.environ, EDITIONS_DIR_ENV: str(tmp_path)}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=env)
    assert done.returncode == 1
    assert f"{tmp_path / 'construction.toml'}: field omit_minor: must be a bool" in done.stderr
