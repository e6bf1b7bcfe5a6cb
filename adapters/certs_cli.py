"""``jjj certs init|rotate|show [--dir var/certs]``: the federation's development PKI (:mod:`adapters.pki`).

* ``init`` creates what is missing (idempotent); ``init --force`` makes a new CA and every certificate, keeping
  the old files under ``retired/``.
* ``rotate [broker|beijing|tianjin|hebei …]`` issues new keys and certificates under the same CA (all leaves by
  default); the old ones are kept under ``retired/`` and stay valid until they expire, so parties can restart one
  by one (steps in :mod:`adapters.pki`).
* ``show`` lists every certificate: its names, usage, expiry and fingerprint, and whether it chains to the CA
  and matches its key; exit 1 if anything is wrong.

The top-level ``jjj`` command routes ``jjj certs ARGS`` to :func:`main`. Exit codes: 0, 1 failure, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from adapters.identity import CLIENT_AUTH, DOCUMENT_SIGNING, SERVER_AUTH, extended_key_usages, uris_of
from adapters.pki import PkiLayout, ensure_dev_pki, file_mode, reinit, rotate
from adapters.pki_files import PkiError
from adapters.tls_material import TlsSource, check_chain, load_material
from merge.regions import REGION_ORDER

DEFAULT_DIR = Path("var/certs")
_TARGETS = ("broker", *(region.value for region in REGION_ORDER))
_USAGE_NAMES = {SERVER_AUTH: "serverAuth", CLIENT_AUTH: "clientAuth", DOCUMENT_SIGNING: "documentSigning"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jjj certs", description="The broker↔node development PKI (mTLS).")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="create the CA and every missing certificate")
    init.add_argument("--force", action="store_true", help="a new CA and new certificates (old ones kept)")
    again = commands.add_parser("rotate", help="new leaf keys and certificates under the same CA")
    again.add_argument("targets", nargs="*", metavar="broker|beijing|tianjin|hebei", help="default: all")
    commands.add_parser("show", help="list the certificates and check them")
    for sub in (init, again, commands.choices["show"]):
        sub.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"the PKI directory (default {DEFAULT_DIR})")
    return parser


def _names(cert: x509.Certificate) -> str:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "-"
    return ", ".join([*uris_of(cert), *san.get_values_for_type(x509.DNSName)])


def _describe(name: str, cert_path: Path, key_path: Path, ca_path: Path) -> tuple[str, bool]:
    """One line about a leaf, and whether it is usable."""
    try:
        material = load_material(TlsSource(cert_path, key_path, ca_path))
        check_chain(material, material.source)
    except PkiError as exc:
        return f"{name:16} PROBLEM: {exc}", False
    cert = material.certificate
    usage = ",".join(_USAGE_NAMES.get(oid, oid.dotted_string) for oid in extended_key_usages(cert))
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()[:16]
    mode = f"key {file_mode(key_path):o}"
    ok = file_mode(key_path) & 0o077 == 0
    line = f"{name:16} {_names(cert)} [{usage}] until {cert.not_valid_after_utc:%Y-%m-%d} sha256:{fingerprint} {mode}"
    return line + ("" if ok else " PROBLEM: key readable by others"), ok


def _show(layout: PkiLayout, out: TextIO) -> int:
    if not layout.ca_cert.is_file():
        print(f"{layout.ca_cert}: missing (jjj certs init --dir {layout.directory})", file=out)
        return 1
    ca = x509.load_pem_x509_certificate(layout.ca_cert.read_bytes())
    print(f"{'ca':16} {ca.subject.rfc4514_string()} until {ca.not_valid_after_utc:%Y-%m-%d}", file=out)
    healthy = True
    for name, cert_path, key_path in layout.pairs():
        line, ok = _describe(name, cert_path, key_path, layout.ca_cert)
        healthy = healthy and ok
        print(line, file=out)
    return 0 if healthy else 1


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    layout = PkiLayout(args.dir)
    try:
        if args.command == "init":
            (reinit if args.force else ensure_dev_pki)(args.dir)
            print(f"PKI ready in {args.dir}; check it with `jjj certs show --dir {args.dir}`", file=out)
            return 0
        if args.command == "rotate":
            unknown = sorted(set(args.targets) - set(_TARGETS))
            if unknown:
                print(f"error: rotate: unknown {', '.join(unknown)}; choose from {', '.join(_TARGETS)}", file=err)
                return 2
            rotated = rotate(args.dir, args.targets)
            kept = args.dir / "retired"
            print(f"rotated {', '.join(rotated)}; old files kept in {kept}; restart each party to load them", file=out)
            return 0
        return _show(layout, out)
    except (PkiError, OSError) as exc:
        print(f"error: {exc}", file=err)
        return 1
