"""The financial edition's list (issue 14, list part): a real node process serves the financial edition only for
enterprises on the list its operator imported (``jjj adapter import-list``); any other subject, or a node without
the list, is refused with the reason — never clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from merge.editions import Edition
from tests.adapters.test_warrant_check import ENTERPRISE
from tests.broker.conftest import CLEAN_ENTERPRISE
from tests.conftest import free_port
from tests.e2e.test_node_security import Site, _wait_listening, ask, site

pytestmark = pytest.mark.e2e
__all__ = ["site"]


def import_list(site: Site, path: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "adapters", "import-list", str(path), "--list", "financial",
            "--region", "tianjin", "--db", site.db]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


async def test_the_financial_edition_only_for_listed_enterprises(site: Site, tmp_path: Path) -> None:
    port = free_port()
    _wait_listening(site.start(port), port, site.pki)
    status, reason = await ask(site, port, edition=Edition.FINANCIAL)
    assert status == "refused"
    assert "holds no 'financial' list" in reason

    others = tmp_path / "others.csv"
    others.write_text(f"主体名称,统一社会信用代码\n某公司,{CLEAN_ENTERPRISE}\n", encoding="utf-8")
    done = import_list(site, others)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "list financial: 1 subjects"
    status, reason = await ask(site, port, edition=Edition.FINANCIAL)
    assert status == "refused"
    assert "not on this region's 'financial' list" in reason

    listed = tmp_path / "listed.csv"
    listed.write_text(
        f"主体名称,统一社会信用代码\n某公司,{CLEAN_ENTERPRISE}\n示例主体,{ENTERPRISE.identifier}\n", "utf-8"
    )
    assert import_list(site, listed).returncode == 0
    assert await ask(site, port, edition=Edition.FINANCIAL) == ("answered", "1 records")


def test_a_bad_list_file_changes_nothing_and_names_the_row(site: Site, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("主体名称,统一社会信用代码\n某公司,9112011\n", encoding="utf-8")
    done = import_list(site, bad)
    assert done.returncode == 1
    assert "line 2, 统一社会信用代码:" in done.stderr
    assert "the list was not changed" in done.stderr
