"""``jjj adapter serve``'s trust options: TLS is required unless --insecure; warrants need a broker issuer.

Everything here fails before the node listens (in-process through adapters.cli.main); the node really serving
with these options is tested with real processes in tests/e2e/test_node_security.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.cli import build_parser
from adapters.cli import main as adapter_main
from adapters.pki import PkiLayout
from adapters.serve_options import ISSUER_ENV, JWKS_ENV, TLS_ENV, serve_trust
from merge.regions import Region


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ISSUER_ENV, JWKS_ENV, *TLS_ENV.values()):
        monkeypatch.delenv(name, raising=False)


def serve(tmp_path: Path, *flags: str) -> list[str]:
    return ["serve", "--region", "tianjin", "--db", str(tmp_path / "n.db"), "--port", "0", *flags]


NO_WARRANTS = ("--insecure-no-warrant-check",)


def test_serve_needs_tls_or_the_explicit_insecure_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert adapter_main(serve(tmp_path, *NO_WARRANTS)) == 2
    err = capsys.readouterr().err
    assert "TLS needs --tls-cert, --tls-key, --tls-ca" in err
    assert "--insecure serves plaintext for development" in err


def test_insecure_and_tls_flags_contradict(tmp_path: Path, pki: PkiLayout, capsys: pytest.CaptureFixture[str]) -> None:
    assert adapter_main(serve(tmp_path, *NO_WARRANTS, "--insecure", "--tls-dir", str(pki.directory))) == 2
    assert "--insecure (plaintext) contradicts --tls-*" in capsys.readouterr().err


def test_a_jwks_needs_a_broker_issuer(tmp_path: Path, pki: PkiLayout, capsys: pytest.CaptureFixture[str]) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    assert adapter_main(serve(tmp_path, "--broker-jwks", str(jwks), "--tls-dir", str(pki.directory))) == 2
    assert "give --broker-issuer URL (or $JJJ_BROKER_ISSUER)" in capsys.readouterr().err


def test_a_missing_tls_file_is_named_with_its_setting(
    tmp_path: Path, pki: PkiLayout, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(TLS_ENV["dir"], str(pki.directory))
    monkeypatch.setenv(TLS_ENV["key"], str(tmp_path / "gone-key.pem"))
    assert adapter_main(serve(tmp_path, *NO_WARRANTS)) == 1
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'gone-key.pem'}: no such file (set by --tls-key / $JJJ_ADAPTER_TLS_KEY;" in err


def test_a_node_does_not_start_with_another_regions_certificate(
    tmp_path: Path, pki: PkiLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ("--tls-dir", str(pki.directory), "--tls-cert", str(pki.node_cert(Region.BEIJING)))
    flags += ("--tls-key", str(pki.node_key(Region.BEIJING)))
    assert adapter_main(serve(tmp_path, *NO_WARRANTS, *flags)) == 1
    assert "certificate names region 110000, expected 120000 (this node serves tianjin)" in capsys.readouterr().err


def test_settings_come_from_flags_then_environment(
    tmp_path: Path, pki: PkiLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ISSUER_ENV, "https://broker-a.example, https://broker-b.example")
    monkeypatch.setenv(JWKS_ENV, "jwks.json")
    monkeypatch.setenv(TLS_ENV["dir"], str(pki.directory))
    monkeypatch.setenv(TLS_ENV["ca"], "/elsewhere/ca.pem")
    args = build_parser().parse_args(serve(tmp_path, "--tls-cert", "/flag/node.pem"))
    trust = serve_trust(args, io.StringIO())
    assert trust is not None
    assert trust.broker_issuers == ("https://broker-a.example", "https://broker-b.example")
    assert trust.tls is not None
    assert (trust.tls.cert, trust.tls.key, trust.tls.ca) == (
        Path("/flag/node.pem"),
        pki.node_key(Region.TIANJIN),
        Path("/elsewhere/ca.pem"),
    )
    assert trust.tls.key_setting == "--tls-key / $JJJ_ADAPTER_TLS_KEY (from --tls-dir / $JJJ_ADAPTER_TLS_DIR)"
    flagged = build_parser().parse_args(serve(tmp_path, "--broker-issuer", "https://c.example", "--broker-issuer", "d"))
    trust = serve_trust(flagged, io.StringIO())
    assert trust is not None
    assert trust.broker_issuers == ("https://c.example", "d")


def test_insecure_prints_a_warning(tmp_path: Path) -> None:
    err = io.StringIO()
    trust = serve_trust(build_parser().parse_args(serve(tmp_path, *NO_WARRANTS, "--insecure")), err)
    assert trust is not None
    assert trust.tls is None
    assert "WARNING: node tianjin: --insecure serves PLAINTEXT gRPC" in err.getvalue()
