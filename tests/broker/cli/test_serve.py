"""``jjj serve`` refuses to protect real data with a default secret (issue 10, point 3): outside development,
an unset or published secret, or plaintext to the nodes, stops the process with a line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from adapters.pki import PkiLayout
from broker.keys import init_keys
from tests.broker.conftest import free_port


def _env(pki: PkiLayout, keys: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJJ_")}
    env.update(
        JJJ_KEYS_DIR=str(keys), JJJ_PORT=str(port), JJJ_TLS_CERT=str(pki.broker_cert), JJJ_TLS_KEY=str(pki.broker_key),
        JJJ_TLS_CA=str(pki.ca_cert), JJJ_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", **extra,
    )  # fmt: skip
    return env


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "broker", "serve"], env=env, capture_output=True, text=True, timeout=20, check=False
    )


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "JJJ_SUBJECT_KEY_SECRET"),
        ({"JJJ_SUBJECT_KEY_SECRET": "jjj-development-subject-key"}, "JJJ_SUBJECT_KEY_SECRET"),
        ({"JJJ_SUBJECT_KEY_SECRET": "short"}, "JJJ_SUBJECT_KEY_SECRET"),
        ({"JJJ_SUBJECT_KEY_SECRET": "x" * 40, "JJJ_NODES_INSECURE": "1"}, "JJJ_NODES_INSECURE"),
    ],
)
def test_production_refuses_to_start_on_a_default_or_weak_setting(
    pki: PkiLayout, tmp_path: Path, extra: dict[str, str], named: str
) -> None:
    init_keys(tmp_path / "keys")
    done = _serve(_env(pki, tmp_path / "keys", free_port(), **extra))
    assert done.returncode == 2, done.stderr
    assert named in done.stderr


def test_secrets_are_read_from_the_credentials_directory(pki: PkiLayout, tmp_path: Path) -> None:
    # systemd's LoadCredential= (and deploy/kubernetes' Secret volume) give secrets as files named after the setting.
    init_keys(tmp_path / "keys")
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "JJJ_SUBJECT_KEY_SECRET").write_text("y" * 40)
    env = _env(pki, tmp_path / "keys", free_port(), CREDENTIALS_DIRECTORY=str(credentials), JJJ_NODES_INSECURE="1")
    done = _serve(env)
    assert done.returncode == 2, done.stderr
    assert "JJJ_NODES_INSECURE" in done.stderr  # refused for that alone: the secret came from its file
    assert "JJJ_SUBJECT_KEY_SECRET" not in done.stderr


def test_development_starts_with_the_defaults_and_says_so(pki: PkiLayout, tmp_path: Path) -> None:
    init_keys(tmp_path / "keys")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "broker", "serve"], env=_env(pki, tmp_path / "keys", port, JJJ_ENV="development"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the development broker did not start")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "development" in stderr.lower()
