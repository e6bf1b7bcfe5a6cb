"""``jjj adapter import|seed``, run in-process through adapters.cli.main (and once as ``python -m adapters``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.store import SqlRecordStore
from merge.regions import Region

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def stored(url: str, region: Region = Region.TIANJIN) -> int:
    async def count() -> int:
        store = await SqlRecordStore.open(url, region)
        try:
            return await store.count()
        finally:
            await store.close()

    return asyncio.run(count())


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'node' / 'tianjin.db'}"


def test_import_good_file_then_again(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(DATA / "good.csv"), "--region", "tianjin", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "imported 5 new records, 0 changed, 0 unchanged"
    assert main(["import", str(DATA / "good.csv"), "--region", "120000", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "imported 0 new records, 0 changed, 5 unchanged"
    assert stored(db) == 5


def test_import_bad_file_prints_every_bad_row_and_imports_nothing(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(DATA / "bad.csv"), "--region", "tianjin", "--db", db]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[-1] == "11 problem(s) found; nothing was imported"
    for line_no, column in [(4, "统一社会信用代码"), (5, "证件号码"), (8, "领域"), (9, "行政处罚决定书文号")]:
        assert any(f"line {line_no}, {column}:" in line for line in lines)
    assert "120101198001011235" not in captured.err
    assert stored(db) == 0


def test_import_missing_file_fails(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "/nonexistent/x.csv", "--region", "tianjin", "--db", db]) == 1
    assert "no such file" in capsys.readouterr().err


def test_seed_then_reseed_adds_nothing(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["seed", "--region", "tianjin", "--subjects", "6", "--seed", "3", "--db", db]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert first.startswith("seeded tianjin (120000) with seed 3:")
    total = stored(db)
    assert total > 0
    assert f"{total} new, {total} in" in first
    assert main(args) == 0
    assert f"; 0 new, {total} in" in capsys.readouterr().out


def test_seed_prints_progress_for_big_seeds(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--region", "hebei", "--subjects", "2200", "--seed", "1", "--db", db]) == 0
    assert "records written" in capsys.readouterr().err


def test_default_database_is_under_var_jjj_or_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JJJ_ADAPTER_DB", raising=False)
    assert main(["seed", "--region", "beijing", "--subjects", "1", "--seed", "1"]) == 0
    assert (tmp_path / "var" / "jjj" / "beijing.db").is_file()
    monkeypatch.setenv("JJJ_ADAPTER_DB", str(tmp_path / "env.db"))
    assert main(["seed", "--region", "beijing", "--subjects", "1", "--seed", "1"]) == 0
    assert (tmp_path / "env.db").is_file()


def test_database_of_another_region_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--region", "tianjin", "--subjects", "1", "--seed", "1", "--db", db]) == 0
    assert main(["import", str(DATA / "good.csv"), "--region", "hebei", "--db", db]) == 1
    assert "holds region 120000, not 130000" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["seed", "--region", "shanghai", "--subjects", "1"],
        ["seed", "--subjects", "1"],
        ["serve", "--region", "tianjin", "--port", "eighty"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_command_lines_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: jjj adapter" in capsys.readouterr().err


def test_python_dash_m_adapters(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "seed", "--region", "hebei", "--subjects", "2", "--seed", "9", "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("seeded hebei (130000) with seed 9:")
