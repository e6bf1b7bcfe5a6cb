"""The ``jjj`` command: ``jjj serve`` (the broker), ``jjj demo``, and ``jjj adapter …`` (a regional node).

Subcommands import their modules lazily, so ``jjj adapter`` never loads the broker's web stack. ``jjj bench`` is
an alias of ``python -m bench`` run as its own process: the broker never imports the benchmarks.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from broker.cli import accounts, audit, calendar, demo, keys, serve, verify


def _configure_logging(verbose: bool) -> None:
    from adapters import logs

    # Text for a terminal; ``jjj serve`` switches to its configured format (JSON by default).
    logs.configure(logging.DEBUG if verbose else logging.INFO, json_lines=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jjj", description="jjj: one login, three regions (京津冀).")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    serve.add_parser(sub)
    demo.add_parser(sub)
    keys.add_parser(sub)
    audit.add_parser(sub)
    calendar.add_parser(sub)
    accounts.add_parsers(sub)
    verify.add_parser(sub)
    sub.add_parser("adapter", help="a regional adapter node: serve, import, seed (jjj adapter --help)", add_help=False)
    sub.add_parser(
        "certs", help="the federation's mTLS certificates: init, rotate, show (jjj certs --help)", add_help=False
    )
    sub.add_parser("bench", help="run the benchmarks: jjj bench [--quick] [--json] (jjj bench --help)", add_help=False)
    sub.add_parser("report", help="issue one report from the command line (jjj report --help)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "adapter":
        from adapters.cli import main as adapter_main

        return adapter_main(args_list[1:])
    if args_list and args_list[0] == "certs":
        from adapters.certs_cli import main as certs_main

        return certs_main(args_list[1:])
    if args_list and args_list[0] == "bench":
        os.execv(sys.executable, [sys.executable, "-m", "bench", *args_list[1:]])  # noqa: S606 - our interpreter
    if args_list and args_list[0] == "report":
        from adapters import logs
        from broker.cli.report import main as report_main

        logs.configure(logging.WARNING, json_lines=False)
        return report_main(args_list[1:])
    args = build_parser().parse_args(args_list)
    _configure_logging(args.verbose)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
