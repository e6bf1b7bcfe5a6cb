"""The ``jjj`` command: ``jjj serve`` (the broker), ``jjj demo``, and ``jjj adapter …`` (a regional node).

Subcommands import their modules lazily, so ``jjj adapter`` never loads the broker's web stack.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from pydantic import ValidationError

    from broker.access_log import PathOnlyAccessLogger
    from broker.app import create_app
    from broker.settings import Settings

    overrides: dict[str, object] = {}
    if args.host is not None:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        print(f"jjj serve: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    from broker.event_loop import fast_event_loop
    from broker.keys import KeysMissing, load_keyring

    try:
        load_keyring(settings.keys_dir)  # checked here too, so a missing key set is one clear line, not a traceback
    except KeysMissing as exc:
        print(f"jjj serve: {exc}", file=sys.stderr)
        return 2
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
        loop=fast_event_loop(),
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from broker.demo import run_demo

    return run_demo(port=args.port, seed=args.seed, subjects=args.subjects, data_dir=args.data_dir)


def _keys(args: argparse.Namespace) -> int:
    from pathlib import Path

    from broker.keys import add_signing_key, init_keys, load_keyring

    directory = Path(args.dir)
    if args.action == "init":
        ring = init_keys(directory, force=args.force)
        print(
            f"keys in {directory}: active signing key {ring.active_kid}, CA {ring.ca_cert}, signer {ring.signer_cert}"
        )
    else:
        kid = add_signing_key(directory)
        ring = load_keyring(directory)
        print(f"new active signing key {kid}; {len(ring.keys) - 1} older key(s) kept for verification")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jjj", description="jjj: one login, three regions (京津冀).")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the broker (settings from JJJ_* environment variables)")
    serve.add_argument("--host", default=None, help="listen address (default JJJ_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default JJJ_PORT or 8080)")
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="start three seeded nodes, Redis if needed, and the broker, on loopback")
    demo.add_argument("--port", type=int, default=8080, help="broker port (default 8080)")
    demo.add_argument("--seed", type=int, default=2026, help="seed of the synthetic data (default 2026)")
    demo.add_argument("--subjects", type=int, default=200, help="subjects seeded per region (default 200)")
    demo.add_argument("--data-dir", default="var/demo", help="where the demo keeps its databases (default var/demo)")
    demo.set_defaults(func=_demo)

    keys = sub.add_parser("keys", help="make (init) or rotate the broker's signing keys and development CA")
    keys.add_argument("action", choices=["init", "rotate"])
    keys.add_argument("--dir", default="var/keys", help="keys directory (default var/keys, as JJJ_KEYS_DIR)")
    keys.add_argument("--force", action="store_true", help="init: replace the development CA and certificate")
    keys.set_defaults(func=_keys)

    from broker import audit_cli  # argparse only; the command's work imports lazily inside it

    audit_cli.add_parser(sub)

    from broker.accounts_cli import add_parsers

    add_parsers(sub)

    sub.add_parser("adapter", help="a regional adapter node: serve, import, seed (jjj adapter --help)", add_help=False)
    sub.add_parser("bench", help="run the benchmarks: jjj bench [--quick] [--json] (jjj bench --help)", add_help=False)
    sub.add_parser("report", help="issue one report from the command line (jjj report --help)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "adapter":
        from adapters.cli import main as adapter_main

        return adapter_main(args_list[1:])
    if args_list and args_list[0] == "bench":
        from bench.runner import main as bench_main

        return bench_main(args_list[1:])
    if args_list and args_list[0] == "report":
        from broker.report_cli import main as report_main

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return report_main(args_list[1:])
    args = build_parser().parse_args(args_list)
    _configure_logging(args.verbose)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
