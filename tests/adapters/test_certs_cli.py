"""``jjj certs init|rotate|show``, in-process through adapters.certs_cli.main."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.certs_cli import main
from adapters.pki import PkiLayout
from merge.regions import Region


def test_init_show_rotate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "certs"
    assert main(["init", "--dir", str(directory)]) == 0
    assert f"PKI ready in {directory}" in capsys.readouterr().out
    layout = PkiLayout(directory)
    first = layout.node_cert(Region.BEIJING).read_bytes()

    assert main(["init", "--dir", str(directory)]) == 0  # idempotent: nothing replaced
    assert layout.node_cert(Region.BEIJING).read_bytes() == first

    assert main(["show", "--dir", str(directory)]) == 0
    shown = capsys.readouterr().out
    assert "node-beijing     urn:jjj:region:110000, region-110000.jjj.internal [serverAuth]" in shown
    assert "broker           urn:jjj:broker [clientAuth]" in shown
    assert "answer-hebei     urn:jjj:region:130000 [documentSigning]" in shown
    assert "PROBLEM" not in shown

    assert main(["rotate", "beijing", "--dir", str(directory)]) == 0
    assert "rotated node-beijing, answer-beijing" in capsys.readouterr().out
    assert layout.node_cert(Region.BEIJING).read_bytes() != first
    assert main(["show", "--dir", str(directory)]) == 0


def test_show_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    layout = PkiLayout(tmp_path)
    layout.broker_key.write_bytes(layout.node_key(Region.HEBEI).read_bytes())
    layout.node_key(Region.TIANJIN).chmod(0o644)
    capsys.readouterr()
    assert main(["show", "--dir", str(tmp_path)]) == 1
    shown = capsys.readouterr().out
    assert "broker           PROBLEM:" in shown
    assert "is not the key of" in shown
    assert "node-tianjin" in shown
    assert "PROBLEM: key readable by others" in shown


def test_show_without_a_pki_and_bad_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--dir", str(tmp_path / "none")]) == 1
    assert "ca.pem: missing (jjj certs init" in capsys.readouterr().out
    assert main(["rotate", "shanghai", "--dir", str(tmp_path)]) == 2
    assert "unknown shanghai" in capsys.readouterr().err
    assert main(["rotate", "--dir", str(tmp_path / "none")]) == 1
    assert "ca.pem: missing" in capsys.readouterr().err
    assert main(["bogus"]) == 2
