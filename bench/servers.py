"""The broker (the real app) and the skeleton, each served by aiohttp's AppRunner/TCPSite in a child process."""

from __future__ import annotations

from pathlib import Path

from adapters.pki_layout import PkiLayout
from bench.broker_child import broker_entry, skeleton_entry
from bench.nodes import ISSUER
from bench.procs import Child, cpu_split
from merge.regions import Region

#: Redis the benchmark uses (the same as the tests'); every key is under a fresh ``bench:<hex>:`` prefix.
REDIS_URL = "redis://127.0.0.1:6379/0"

BENCH_SUBJECT_KEY = "jjj-bench-subject-key-0123456789abcdef0123456789"


def broker_settings(targets: dict[Region, str], keys_dir: Path, certs_dir: Path, prefix: str) -> dict[str, object]:
    """Settings values of the broker under test (validated in the child: ``Settings.model_validate``)."""
    pki = PkiLayout(certs_dir)
    return {
        "tls_cert": str(pki.broker_cert),
        "tls_key": str(pki.broker_key),
        "tls_ca": str(pki.ca_cert),
        "warrant_issuer": ISSUER,
        # The benchmark's own secret: production settings refuse the published development value.
        "subject_key_secret": BENCH_SUBJECT_KEY,
        "redis_url": REDIS_URL,
        "redis_prefix": prefix,
        "node_beijing": targets[Region.BEIJING],
        "node_tianjin": targets[Region.TIANJIN],
        "node_hebei": targets[Region.HEBEI],
        "keys_dir": str(keys_dir),
        "request_deadline_s": 10.0,
        # These parts measure JSON reports, and a daemonic child cannot start PDF workers (bench/pdf_bench.py
        # measures PDFs with a broker of its own).
        "pdf_prewarm": False,
    }


def start_broker(values: dict[str, object]) -> tuple[Child, int]:
    child = Child(broker_entry, values, cpus=cpu_split()[0])
    port: int = child.start()
    return child, port


def start_skeleton(targets: dict[Region, str], keys_dir: Path, certs_dir: Path) -> tuple[Child, int]:
    by_name = {r.value: t for r, t in targets.items()}
    child = Child(skeleton_entry, by_name, str(keys_dir), str(certs_dir), cpus=cpu_split()[0])
    port: int = child.start()
    return child, port
