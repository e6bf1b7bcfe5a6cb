"""``jjj adapter serve``'s trust options: TLS files, the broker's keys and issuer(s); fail closed on each.

Resolution, each setting from its flag, else its environment variable:

* TLS (issue 10): ``--tls-cert`` / ``$JJJ_ADAPTER_TLS_CERT``, ``--tls-key`` / ``$JJJ_ADAPTER_TLS_KEY``,
  ``--tls-ca`` / ``$JJJ_ADAPTER_TLS_CA``; any of them not given comes from ``--tls-dir`` / ``$JJJ_ADAPTER_TLS_DIR``
  (the ``jjj certs init`` layout: ``node-<region>.pem``, ``node-<region>-key.pem``, ``ca.pem``). Without all
  three the node does not start, unless ``--insecure`` asks for plaintext (development only, a warning is
  printed); ``--insecure`` together with TLS flags is a contradiction and refused.
* Answer signing (protocol v2): ``--answer-dir`` / ``$JJJ_ADAPTER_ANSWER_DIR``, a ``jjj certs init`` directory
  holding ``answer-<region>.pem`` and its key; by default the TLS directory. Without one the node answers
  unsigned and brokers refuse every answer (development only; a warning is printed).
* Warrants (invariant 3): ``--broker-jwks`` / ``$JJJ_BROKER_JWKS`` and at least one ``--broker-issuer`` /
  ``$JJJ_BROKER_ISSUER`` (comma-separated): a warrant is accepted only from a named broker, whatever key signed
  it. ``--insecure-no-warrant-check`` instead skips the check (development only).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from adapters.coverage_file import COVERAGE_ENV
from adapters.departments_cli import add_seal_dir_option
from adapters.node import Trust
from adapters.pki import PkiLayout
from adapters.settings import NodeSettings
from adapters.tls_material import TlsSource
from merge.edition_files import EDITIONS_DIR_ENV
from merge.regions import Region

JWKS_ENV = "JJJ_BROKER_JWKS"
ISSUER_ENV = "JJJ_BROKER_ISSUER"
TLS_ENV = {
    "dir": "JJJ_ADAPTER_TLS_DIR",
    "cert": "JJJ_ADAPTER_TLS_CERT",
    "key": "JJJ_ADAPTER_TLS_KEY",
    "ca": "JJJ_ADAPTER_TLS_CA",
}


def add_coverage_option(command: argparse.ArgumentParser) -> None:
    """``--coverage FILE``: one option for ``serve`` and ``import``, so an import checks what the node declares."""
    command.add_argument(
        "--coverage",
        metavar="FILE",
        type=Path,
        default=os.environ.get(COVERAGE_ENV) or None,
        help=f"the domains this node covers, a TOML file (default ${COVERAGE_ENV}, else adapters/coverage/REGION.toml)",
    )


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=50051)
    serve.add_argument(
        "--editions-dir",
        metavar="DIR",
        default=os.environ.get(EDITIONS_DIR_ENV),
        help=f"an operator's edition files (*.toml), the same as the broker's (default ${EDITIONS_DIR_ENV})",
    )
    add_coverage_option(serve)
    serve.add_argument("--latency-ms", type=float, default=0.0, help="added delay per query (demos, tests)")
    serve.add_argument(
        "--health-port",
        type=int,
        default=None,
        metavar="PORT",
        help="also answer grpc.health.v1 (only) in plaintext on this port, for Kubernetes' gRPC probe (default: off)",
    )
    serve.add_argument(
        "--staff-port", type=int, default=None, metavar="PORT",
        help="serve the staff page for objections and repair requests on this port (HTTP; default: off)",
    )  # fmt: skip
    serve.add_argument(
        "--due-working-days", type=int, default=5, metavar="N",
        help="a ticket is due N Chinese working days after filing (default 5)",
    )  # fmt: skip
    add_seal_dir_option(serve)
    serve.add_argument(
        "--confirm-working-days", type=int, default=5, metavar="N",
        help="a department confirmation (financial edition) is due N Chinese working days after the first request "
        "(default 5); not decided by then, the record is stated as not confirmed in time",
    )  # fmt: skip
    serve.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (plain HTTP; default: off)",
    )
    tls = serve.add_argument_group("mTLS (required unless --insecure)")
    tls.add_argument("--tls-dir", metavar="DIR", help=f"a `jjj certs init` directory (default ${TLS_ENV['dir']})")
    tls.add_argument("--tls-cert", metavar="FILE", help=f"this node's certificate (default ${TLS_ENV['cert']})")
    tls.add_argument("--tls-key", metavar="FILE", help=f"its private key (default ${TLS_ENV['key']})")
    tls.add_argument("--tls-ca", metavar="FILE", help=f"the federation CA (default ${TLS_ENV['ca']})")
    tls.add_argument(
        "--insecure", action="store_true", help="DEVELOPMENT ONLY: plaintext gRPC, anyone reaching the port can ask"
    )
    serve.add_argument(
        "--answer-dir",
        metavar="DIR",
        help="a `jjj certs init` directory with answer-<region>.pem and its key, the region's answer-signing key "
        "(default: --tls-dir, or $JJJ_ADAPTER_ANSWER_DIR)",
    )
    warrants = serve.add_argument_group("warrants (required unless --insecure-no-warrant-check)")
    warrants.add_argument(
        "--broker-jwks",
        metavar="FILE|URL",
        help=f"the broker's public keys (JWKS) that every query's warrant must be signed with (default ${JWKS_ENV})",
    )
    warrants.add_argument(
        "--broker-issuer",
        action="append",
        metavar="URL",
        help=f"a broker whose warrants are accepted (its iss); repeatable (default ${ISSUER_ENV}, comma-separated)",
    )
    warrants.add_argument(
        "--insecure-no-warrant-check",
        action="store_true",
        help="DEVELOPMENT ONLY: answer queries without checking their warrants (consent is not enforced)",
    )


def _tls_source(args: argparse.Namespace, err: TextIO) -> TlsSource | bool | None:
    """The TLS files, ``None`` for plaintext, or ``False`` after printing why the options do not go together."""
    flags = {name: getattr(args, f"tls_{name}") for name in ("dir", "cert", "key", "ca")}
    if args.insecure:
        if any(flags.values()):
            print("error: --insecure (plaintext) contradicts --tls-*; give one or the other", file=err)
            return False
        print(f"WARNING: node {args.region.value}: --insecure serves PLAINTEXT gRPC without client certificates; "
              "anyone who can reach the port can query it and pose as it (development only)", file=err)  # fmt: skip
        return None
    settings = NodeSettings()
    given: dict[str, str | None] = {name: flags[name] or settings.tls(name) for name in TLS_ENV}
    directory = given["dir"]
    layout = PkiLayout(Path(directory)) if directory else None
    region: Region = args.region

    def path(name: str) -> tuple[Path, str] | None:
        """The file for ``name`` and the setting it came from."""
        setting = f"--tls-{name} / ${TLS_ENV[name]}"
        value = given[name]
        if value:
            return Path(value), setting
        if layout is None:
            return None
        by_dir = {"cert": layout.node_cert(region), "key": layout.node_key(region), "ca": layout.ca_cert}
        return by_dir[name], f"{setting} (from --tls-dir / ${TLS_ENV['dir']})"

    cert, key, ca = path("cert"), path("key"), path("ca")
    if cert is None or key is None or ca is None:
        missing = [f"--tls-{name}" for name, found in (("cert", cert), ("key", key), ("ca", ca)) if found is None]
        print(f"error: TLS needs {', '.join(missing)} (or --tls-dir, or ${TLS_ENV['dir']} / $JJJ_ADAPTER_TLS_*); "
              "--insecure serves plaintext for development", file=err)  # fmt: skip
        return False
    return TlsSource(cert[0], key[0], ca[0], cert[1], key[1], ca[1])


def serve_trust(args: argparse.Namespace, err: TextIO) -> Trust | None:
    """What the node trusts, from flags and environment; ``None`` after printing why the options are refused."""
    settings = NodeSettings()
    jwks = args.broker_jwks or settings.broker_jwks
    if (jwks is None) == (not args.insecure_no_warrant_check):
        print("error: give --broker-jwks FILE|URL (or $JJJ_BROKER_JWKS), or --insecure-no-warrant-check "
              "for development, not both and not neither", file=err)  # fmt: skip
        return None
    issuers = list(args.broker_issuer or []) or settings.broker_issuers
    if jwks is not None and not issuers:
        print(f"error: give --broker-issuer URL (or ${ISSUER_ENV}): warrants are accepted only from the named "
              "broker(s), whichever key signed them", file=err)  # fmt: skip
        return None
    tls = _tls_source(args, err)
    if tls is False:
        return None
    return Trust(jwks, tuple(issuers), tls if isinstance(tls, TlsSource) else None, _answer_source(args, err))


def _answer_source(args: argparse.Namespace, err: TextIO) -> TlsSource | None:
    """The answer-signing files, or ``None`` (after a warning) when no directory names them."""
    settings = NodeSettings()
    directory = args.answer_dir or settings.adapter_answer_dir or args.tls_dir or settings.tls("dir")
    region: Region = args.region
    if not directory:
        print(f"WARNING: node {region.value}: no --answer-dir: answers go UNSIGNED and every broker refuses them "
              "(development only)", file=err)  # fmt: skip
        return None
    layout = PkiLayout(Path(directory))
    setting = "--answer-dir / $JJJ_ADAPTER_ANSWER_DIR"
    return TlsSource(layout.answer_cert(region), layout.answer_key(region), layout.ca_cert, setting, setting, setting)
