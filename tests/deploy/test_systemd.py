"""deploy/systemd: the units pass ``systemd-analyze verify`` without a single warning (an unknown or misspelt
directive is only a warning there, so any output fails the test), their hardening scores at most 2.0 on
``systemd-analyze security``, and they take their secrets as credentials, never from the environment.

The units name /opt/jjj/venv; the test verifies copies naming this checkout's .venv, so the programs exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"


@pytest.fixture
def analyze() -> str:
    binary = shutil.which("systemd-analyze")
    if binary is None:
        pytest.skip("systemd-analyze is not installed on this machine: the units are not verified here (apt systemd)")
    return binary


@pytest.fixture
def units(tmp_path: Path) -> list[Path]:
    """Copies with this checkout's programs, the node template instantiated for one region."""
    venv_bin = str(Path(sys.executable).parent) + "/"
    copies = []
    for unit in sorted(UNITS.glob("*.service")):
        text = unit.read_text().replace("/opt/jjj/venv/bin/", venv_bin)
        name = unit.name.replace("@.service", "@tianjin.service")
        (tmp_path / name).write_text(text)
        copies.append(tmp_path / name)
    return copies


def test_the_units_exist() -> None:
    assert {u.name for u in UNITS.glob("*.service")} == {"jjj-broker.service", "jjj-node@.service"}


def test_the_units_verify_without_a_warning(analyze: str, units: list[Path]) -> None:
    done = subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    ours = [line for line in (done.stdout + done.stderr).splitlines() if str(units[0].parent) in line]
    assert ours == []


def test_a_misspelt_directive_is_caught(analyze: str, units: list[Path]) -> None:
    # What the check above relies on: verify reports an unknown key (while still exiting 0).
    broken = units[0]
    broken.write_text(broken.read_text().replace("ProtectSystem=strict", "ProtectSistem=strict"))
    done = subprocess.run([analyze, "verify", str(broken)], capture_output=True, text=True, timeout=60, check=False)
    assert "ProtectSistem" in done.stdout + done.stderr


@pytest.mark.parametrize("index", [0, 1], ids=["broker", "node"])
def test_the_units_are_hardened(analyze: str, units: list[Path], index: int) -> None:
    done = subprocess.run(
        [analyze, "security", "--offline=yes", "--threshold=20", str(units[index])],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    text = units[index].read_text()
    for directive in ("ProtectSystem=strict", "NoNewPrivileges=yes", "LoadCredential=", "CapabilityBoundingSet="):
        assert directive in text
    assert "DynamicUser=yes" in text or "User=jjj" in text
    assert "SECRET=" not in text.replace("LoadCredential=JJJ_SUBJECT_KEY_SECRET:", "")
