"""``jjj demo``: three seeded adapter nodes, a private Redis when none is configured, and the broker, on loopback.

Every part runs as a child process with its log under ``<data-dir>/logs``; Ctrl-C (or SIGTERM) stops them all,
and so does any child dying early.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from adapters.pki import ensure_dev_pki
from adapters.seed import demo_subjects
from broker.demo.consent import DEMO_PASSWORD, seed_consent
from broker.demo.guide import print_ready, write_accounts
from broker.demo.private import redis_config, secret_file
from broker.demo.supervisor import Supervisor, free_port, port_free, tail
from broker.settings import Settings
from merge.regions import REGION_ORDER, Region

_PREFERRED_NODE_PORTS = {Region.BEIJING: 50051, Region.TIANJIN: 50052, Region.HEBEI: 50053}
_PREFERRED_STAFF_PORTS = {Region.BEIJING: 8181, Region.TIANJIN: 8182, Region.HEBEI: 8183}
_STARTUP_TIMEOUT_S = 60.0


def _seed(data: Path, seed: int, subjects: int, logs: Path) -> dict[Region, str]:
    """Seed one SQLite database per region (in parallel), unless one with the same seed is already there."""
    urls: dict[Region, str] = {}
    pending: list[tuple[Region, subprocess.Popen[bytes], Path]] = []
    for region in REGION_ORDER:
        db = data / f"{region.value}.db"
        marker = data / f"{region.value}.seeded"
        urls[region] = f"sqlite+aiosqlite:///{db.resolve()}"
        # "register": databases seeded before the subject register existed are seeded again (clean subjects named).
        wanted = f"seed={seed} subjects={subjects} register"
        if db.exists() and marker.exists() and marker.read_text() == wanted:
            print(f"  {region.display_name}: seeded database already present ({db})")
            continue
        db.unlink(missing_ok=True)
        marker.unlink(missing_ok=True)
        print(f"  {region.display_name}: seeding {subjects} subjects (seed {seed}) …", flush=True)
        argv = [sys.executable, "-m", "adapters", "seed", "--region", region.value,
                "--subjects", str(subjects), "--seed", str(seed), "--db", urls[region]]  # fmt: skip
        log_path = logs / f"seed-{region.value}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT)  # noqa: S603
        pending.append((region, process, log_path))
    for region, process, log_path in pending:
        if process.wait() != 0:
            raise RuntimeError(f"seeding {region.value} failed:\n{tail(log_path)}")
        (data / f"{region.value}.seeded").write_text(f"seed={seed} subjects={subjects} register")
        print(f"  {region.display_name}: {tail(log_path, 1)}")
    return urls


def _prepare_financial(data: Path, seed: int, db_urls: dict[Region, str], logs: Path) -> None:
    """The financial edition at each node, as an operator sets it up with the node's own commands: the seeded
    enterprises on the financial list, every authority in the records a department with its seal key, and one
    staff account (``staff``, the demo password) deciding for all of them on the node's staff page."""
    enterprises = [s for s in demo_subjects(seed) if s.kind == "enterprise"]
    listed = data / "financial-list.csv"
    rows = ["主体名称,统一社会信用代码", *(f"{s.name},{s.identifier}" for s in enterprises)]
    listed.write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = dict(os.environ, JJJ_STAFF_PASSWORD=DEMO_PASSWORD)
    for region in REGION_ORDER:
        marker = data / f"{region.value}.financial"
        if marker.exists():
            continue
        common = ["--region", region.value, "--db", db_urls[region]]
        steps = [
            ["import-list", str(listed), "--list", "financial", *common],
            ["staff", "add", "staff", *common],
            ["department", "sync", "--staff", "staff", "--seal-dir", str(data / f"seals-{region.value}"), *common],
        ]
        log_path = logs / f"financial-{region.value}.log"
        with log_path.open("w") as log:
            for step in steps:
                argv = [sys.executable, "-m", "adapters", *step]
                done = subprocess.run(argv, stdout=log, stderr=log, env=env, check=False)  # noqa: S603
                if done.returncode != 0 and step[0] != "staff":  # the account may exist from an earlier run
                    raise RuntimeError(f"preparing the financial edition at {region.value} failed:\n{tail(log_path)}")
        marker.write_text("financial list, departments and staff prepared")
        print(f"  {region.display_name}: financial list, departments (seal keys) and staff account prepared")


def _wait_healthy(url: str, supervisor: Supervisor) -> dict[str, object]:
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    last: dict[str, object] = {}
    while time.monotonic() < deadline:
        if (child := supervisor.dead()) is not None:
            raise RuntimeError(f"{child.name} exited early (code {child.process.returncode}):\n{tail(child.log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                last = json.loads(response.read())
            if last.get("status") == "ok":
                return last
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the demo did not become healthy within {_STARTUP_TIMEOUT_S:.0f} s; last health: {last}")


def _start_redis(data: Path, supervisor: Supervisor) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed and JJJ_REDIS_URL is not set (run `make demo`)")
    port = free_port(6380)
    directory = data / "redis"
    password = secret_file(data / "redis.password", 24)
    conf = redis_config(directory, port, password)
    # umask 077: the AOF and every other file Redis writes is its owner's only.
    supervisor.start("redis", f"127.0.0.1:{port} (user jjj)", [binary, str(conf.resolve())], umask=0o077)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(f"AUTH jjj {password}\r\nPING\r\n".encode())
                if b"+PONG" in sock.recv(64):
                    return f"redis://jjj:{password}@127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"redis-server did not start:\n{tail(supervisor.logs / 'redis.log')}")


def _wait_http(url: str, supervisor: Supervisor) -> None:
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if (child := supervisor.dead()) is not None:
            raise RuntimeError(f"{child.name} exited early (code {child.process.returncode}):\n{tail(child.log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL we built
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {_STARTUP_TIMEOUT_S:.0f} s")


def _broker_keys(data: Path, settings: Settings) -> tuple[Path, Path]:
    """The broker's signing keys (``JJJ_KEYS_DIR`` when set, else ``<data>/keys``; made if missing) and its public
    JWKS written to ``<data>/broker-jwks.json``, the file every node checks query warrants against."""
    from broker.keys import init_keys

    keys_dir = (settings.keys_dir if "keys_dir" in settings.model_fields_set else data / "keys").resolve()
    ring = init_keys(keys_dir)
    jwks_file = (data / "broker-jwks.json").resolve()
    jwks_file.write_text(json.dumps(ring.public_jwks(), indent=2) + "\n")
    print(f"  broker keys: {keys_dir} (active {ring.active_kid}); nodes trust {jwks_file}")
    return keys_dir, jwks_file


def _node_trust(data: Path, insecure: bool) -> tuple[list[str], dict[str, str]]:
    """The nodes' TLS arguments and the broker's TLS environment: the demo's own development PKI (made once in
    ``<data>/certs``), or plaintext when asked for with ``--insecure`` (answers are signed and checked either way)."""
    pki = ensure_dev_pki((data / "certs").resolve())
    if insecure:
        # Plaintext on the wire, but the nodes still sign their answers and the broker still checks them.
        print("  WARNING: --insecure: plaintext gRPC between broker and nodes (anyone on this host can read them)")
        return ["--insecure", "--answer-dir", str(pki.directory)], {
            "JJJ_NODES_INSECURE": "1",
            "JJJ_TLS_CA": str(pki.ca_cert),
        }
    print(f"  federation PKI: {pki.directory} (development CA; nodes and broker authenticate each other)")
    env = {"JJJ_TLS_CERT": str(pki.broker_cert), "JJJ_TLS_KEY": str(pki.broker_key), "JJJ_TLS_CA": str(pki.ca_cert)}
    return ["--tls-dir", str(pki.directory)], env


def _subject_secret(data: Path, settings: Settings) -> str:
    """``JJJ_SUBJECT_KEY_SECRET`` when set, else the demo's own random one (kept in ``<data>/subject-key.secret``)."""
    if "subject_key_secret" in settings.model_fields_set:
        return settings.subject_key_secret.get_secret_value()
    return secret_file(data / "subject-key.secret")


def _start_broker(port: int, data: Path, settings: Settings, supervisor: Supervisor, logs: Path, seed: int,
                  subjects: int, insecure: bool) -> str:  # fmt: skip
    """Seed the regions, start Redis (unless configured), the three nodes and the broker; returns the Redis URL."""
    print("Preparing regional databases:")
    db_urls = _seed(data, seed, subjects, logs)
    _prepare_financial(data, seed, db_urls, logs)
    # An operator's own Redis when JJJ_REDIS_URL is set, else a private one for the demo.
    configured = "redis_url" in settings.model_fields_set
    redis_url = settings.redis_url.get_secret_value() if configured else _start_redis(data, supervisor)
    keys_dir, jwks_file = _broker_keys(data, settings)
    tls_args, tls_env = _node_trust(data, insecure)
    public = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        JJJ_REDIS_URL=redis_url,
        JJJ_PORT=str(port),
        JJJ_HOST="127.0.0.1",
        JJJ_KEYS_DIR=str(keys_dir),
        JJJ_PUBLIC_BASE_URL=public,
        # A development broker (it says so), but not on the published secret.
        JJJ_ENV="development",
        JJJ_SUBJECT_KEY_SECRET=_subject_secret(data, settings),
        **tls_env,
    )
    for region in REGION_ORDER:
        node_port = free_port(_PREFERRED_NODE_PORTS[region])
        env[f"JJJ_NODE_{region.name}"] = f"127.0.0.1:{node_port}"
        staff_port = free_port(_PREFERRED_STAFF_PORTS[region])
        argv = [sys.executable, "-m", "adapters", "serve", "--region", region.value,
                "--db", db_urls[region], "--host", "127.0.0.1", "--port", str(node_port),
                "--staff-port", str(staff_port), "--seal-dir", str(data / f"seals-{region.value}"),
                "--broker-jwks", str(jwks_file), "--broker-issuer", public, *tls_args]  # fmt: skip
        where = f"127.0.0.1:{node_port} ({region.display_name}; staff page http://127.0.0.1:{staff_port}/)"
        supervisor.start(f"node-{region.value}", where, argv)
    supervisor.start("broker", f"http://127.0.0.1:{port}", [sys.executable, "-m", "broker", "serve"], env)
    _wait_healthy(f"http://127.0.0.1:{port}/healthz", supervisor)
    return redis_url


def _start_bank(port: int, redis_url: str, subject_secret: str, seed: int, supervisor: Supervisor) -> int:
    """Register the demo bank as an OAuth client and start it; returns its port."""
    bank_port = free_port(8765)
    bank_secret = seed_consent(redis_url, subject_secret, seed, f"http://127.0.0.1:{bank_port}/callback")
    bank_env = dict(os.environ, JJJ_DEMO_BANK_SECRET=bank_secret)
    bank_argv = [sys.executable, "-m", "broker.demo.bank", "--port", str(bank_port),
                 "--broker", f"http://127.0.0.1:{port}"]  # fmt: skip
    supervisor.start("bank", f"http://127.0.0.1:{bank_port} (示例银行)", bank_argv, bank_env)
    _wait_http(f"http://127.0.0.1:{bank_port}/", supervisor)
    return bank_port


def _watch(supervisor: Supervisor, stopping: Callable[[], bool]) -> int:
    """Until Ctrl-C: a node going down is part of what the demo shows (its region becomes "unavailable"), so only
    the broker, the bank or Redis exiting ends the demo."""
    reported: set[str] = set()
    while not stopping():
        if (child := supervisor.dead(essential_only=True)) is not None:
            print(f"jjj demo: {child.name} exited (code {child.process.returncode}):\n{tail(child.log)}")
            return 1
        for node in supervisor.children:
            if node.name not in reported and node.process.poll() is not None:
                reported.add(node.name)
                print(f"jjj demo: {node.name} stopped; its region is now reported as unavailable", flush=True)
        time.sleep(0.5)
    print("\nstopping …", flush=True)
    return 0


def run_demo(*, port: int, seed: int, subjects: int, data_dir: str, insecure: bool = False) -> int:
    settings = Settings()
    data = Path(data_dir)
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not port_free(port):
        print(f"jjj demo: port {port} is in use; choose another with --port", file=sys.stderr)
        return 2
    supervisor = Supervisor(logs)
    stopping = False

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        redis_url = _start_broker(port, data, settings, supervisor, logs, seed, subjects, insecure)
        bank_port = _start_bank(port, redis_url, _subject_secret(data, settings), seed, supervisor)
        print_ready(port, supervisor, seed, bank_port, write_accounts(data, seed))
        return _watch(supervisor, lambda: stopping)
    except RuntimeError as exc:
        print(f"jjj demo: {exc}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop_all()
