"""``jjj adapter …`` / ``jjj-adapter …``: import a 双公示 CSV, seed synthetic data, serve a regional node.

The top-level ``jjj`` command delegates ``jjj adapter ARGS`` to :func:`main` with ``ARGS``; the ``jjj-adapter``
console script calls :func:`main` directly. A node never needs the broker's code: nothing here imports it.

Exit codes: 0 success, 1 failure (bad rows, database unreachable, …), 2 bad command line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from adapters.coverage_file import CoverageFileError, node_coverage
from adapters.csv_import import import_csv
from adapters.departments_cli import add_department_commands, default_seal_dir, run_departments
from adapters.seed import generate, registered_subjects
from adapters.serve_options import add_coverage_option, add_serve_options, serve_trust
from adapters.settings import NodeSettings
from adapters.store import SqlRecordStore, normalise_url
from adapters.subject_lists import SqlSubjectLists, import_list
from adapters.subject_register import SqlSubjectRegister
from adapters.tickets_cli import add_ticket_commands, run_tickets
from merge.edition_files import install, load_catalogue
from merge.regions import Region

DB_ENV = "JJJ_ADAPTER_DB"
#: Records written per transaction while seeding; progress is printed after each batch.
SEED_BATCH = 5000


def default_db(region: Region) -> str:
    """``$JJJ_ADAPTER_DB`` or a SQLite file ``var/jjj/<region>.db`` under the current directory."""
    return NodeSettings().adapter_db or f"sqlite+aiosqlite:///var/jjj/{region.value}.db"


def _region(value: str) -> Region:
    try:
        return Region.parse(value)
    except ValueError:
        choices = ", ".join(f"{r.value} ({r.code})" for r in Region)
        raise argparse.ArgumentTypeError(f"unknown region {value!r}; choose one of {choices}") from None


def _shown_url(url: str) -> str:
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jjj adapter", description="A regional credit node (京津冀).")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--region", type=_region, required=True, help="beijing, tianjin or hebei (or 110000 …)")
        sub.add_argument("--db", help=f"database URL (default: ${DB_ENV} or sqlite+aiosqlite:///var/jjj/REGION.db)")

    imp = commands.add_parser(
        "import",
        help="import a CSV of penalties (双公示), list entries or coercive measures (all or none; changes update)",
    )
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    add_coverage_option(imp)
    common(imp)

    lst = commands.add_parser(
        "import-list", help="replace a subject list (主体名称, 统一社会信用代码), all rows or none"
    )
    lst.add_argument("file", type=Path, metavar="FILE.csv")
    lst.add_argument("--list", dest="list_name", default="financial", help="the list's name (default financial)")
    common(lst)

    seed = commands.add_parser("seed", help="write deterministic synthetic records")
    common(seed)
    seed.add_argument("--subjects", type=int, default=200, help="region-specific subjects (default 200)")
    seed.add_argument("--seed", type=int, default=1, help="random seed; same seed, same data (default 1)")

    serve = commands.add_parser("serve", help="run the gRPC node (mTLS)")
    common(serve)
    add_serve_options(serve)
    add_ticket_commands(commands, common)
    add_department_commands(commands, common)
    return parser


async def _import_list(args: argparse.Namespace, db: str, out: TextIO, err: TextIO) -> int:
    if not args.file.is_file():
        print(f"error: {args.file}: no such file", file=err)
        return 1
    lists = await SqlSubjectLists.open(db, args.region)
    try:
        held, problems = await import_list(lists, args.file, args.list_name)
    finally:
        await lists.close()
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=err)
        print(f"{len(problems)} problem(s) found; the list was not changed", file=err)
        return 1
    print(f"list {args.list_name}: {held} subjects", file=out)
    return 0


async def _import(args: argparse.Namespace, db: str, out: TextIO, err: TextIO) -> int:
    if not args.file.is_file():
        print(f"error: {args.file}: no such file", file=err)
        return 1
    try:
        # Rows are checked against what the node declares (its --coverage file), not a built-in table.
        coverage = node_coverage(args.region, args.coverage)
    except CoverageFileError as exc:
        print(f"error: --coverage: {exc}", file=err)
        return 2
    store = await SqlRecordStore.open(db, args.region)
    register = await SqlSubjectRegister.open(db, args.region)
    try:
        report = await import_csv(store, args.file, args.region, register=register, coverage=coverage)
    finally:
        await register.close()
        await store.close()
    if not report.ok:
        for error in report.errors:
            print(f"{args.file}: {error}", file=err)
        print(f"{len(report.errors)} problem(s) found; nothing was imported", file=err)
        return 1
    print(f"imported {report.new} new records, {report.changed} changed, {report.unchanged} unchanged", file=out)
    return 0


async def _seed(args: argparse.Namespace, db: str, out: TextIO, err: TextIO) -> int:
    if args.subjects < 0:
        print("error: --subjects must be 0 or more", file=err)
        return 2
    store = await SqlRecordStore.open(db, args.region)
    total = new = 0
    try:
        batch = []
        for record in generate(args.region, args.subjects, args.seed):
            batch.append(record)
            if len(batch) == SEED_BATCH:
                new += await store.add_records(batch)
                total += len(batch)
                batch = []
                print(f"… {total} records written", file=err, flush=True)
        new += await store.add_records(batch)
        total += len(batch)
        stored = await store.count()
        register = await SqlSubjectRegister.open(db, args.region)
        try:
            await register.register(registered_subjects(args.region, args.subjects, args.seed))
        finally:
            await register.close()
    finally:
        await store.close()
    print(
        f"seeded {args.region.value} ({args.region.code}) with seed {args.seed}: {total} records for "
        f"{args.subjects} subjects plus the shared pool; {new} new, {stored} in {_shown_url(db)}",
        file=out,
    )
    return 0


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; returns the exit code (argparse's 2 for a bad command line)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    db = args.db or default_db(args.region)
    if args.command == "serve":
        from adapters import logs, node  # the gRPC stack loads only for the command that needs it

        # One JSON object per line (request id, masked subject, outcome, ms per query), libraries that would log
        # query parameters held at WARNING.
        logs.configure(logging.INFO)
        trust = serve_trust(args, err)
        if trust is None:
            return 2
        try:
            # The edition files are checked before anything listens: a malformed one names its file and field.
            install(load_catalogue(args.editions_dir))
            covered = node_coverage(args.region, args.coverage)
            return node.serve(
                args.region, normalise_url(db), args.host, args.port, args.latency_ms,
                broker_jwks=trust.broker_jwks, broker_issuers=trust.broker_issuers, tls=trust.tls,
                answer=trust.answer,
                health_port=args.health_port, staff_port=args.staff_port, due_working_days=args.due_working_days,
                seal_dir=args.seal_dir or default_seal_dir(args.region),
                confirm_working_days=args.confirm_working_days, metrics_port=args.metrics_port, covered_domains=covered,
            )  # fmt: skip
        except (ValueError, OSError) as exc:
            print(f"error: {exc}", file=err)
            return 1
    commands = {
        "objections": run_tickets, "staff": run_tickets, "import": _import, "import-list": _import_list, "seed": _seed,
        "department": run_departments,
    }  # fmt: skip
    command = commands[args.command]
    try:
        return asyncio.run(command(args, db, out, err))
    except (ValueError, OSError, SQLAlchemyError) as exc:
        print(f"error: {exc}", file=err)
        return 1
