"""``jjj adapter department add|list|link``: the departments that confirm records for the financial edition.

``add`` registers a department (by its USCC, else its name: what the records' authority fields hold) and makes its
seal key in the seal directory; ``link`` lets a staff account decide for it on the staff page; ``list`` shows each
department with its seal key's id (the fingerprint a verifier sees in a report)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from adapters.confirmation_schema import departments, staff_departments
from adapters.confirmations import ConfirmationRefused, ConfirmationStore
from adapters.seals import SEAL_DIR_ENV, SealKeys
from adapters.tickets import TicketStore
from merge.regions import Region


def default_seal_dir(region: Region) -> Path:
    """``$JJJ_ADAPTER_SEAL_DIR``, else ``var/jjj/seals-<region>`` under the current directory."""
    return Path(os.environ.get(SEAL_DIR_ENV) or f"var/jjj/seals-{region.value}")


def add_seal_dir_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--seal-dir", type=Path, default=None, metavar="DIR",
        help=f"the departments' seal keys (default ${SEAL_DIR_ENV}, else var/jjj/seals-REGION)",
    )  # fmt: skip


def add_department_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: object) -> None:
    department = commands.add_parser("department", help="departments that confirm records (financial edition)")
    actions = department.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register a department and make its seal key")
    add.add_argument(
        "--name", required=True, help="as the records' authority_name reads, e.g. 天津市市场监督管理委员会"
    )
    add.add_argument("--uscc", default="", help="its 统一社会信用代码, as the records' authority_uscc reads")
    link = actions.add_parser("link", help="let a staff account decide for a department")
    link.add_argument("username")
    link.add_argument("department_id", help="the department's USCC, else its name")
    sync = actions.add_parser("sync", help="register every authority the node's records name (a seal key each)")
    sync.add_argument("--staff", metavar="USERNAME", help="also let this staff account decide for each one added")
    listing = actions.add_parser("list", help="departments with their seal keys and staff")
    for sub in (add, link, sync, listing):
        add_seal_dir_option(sub)
        common(sub)  # type: ignore[operator]


async def run_departments(args: argparse.Namespace, db: str, out: TextIO, err: TextIO) -> int:
    tickets = await TicketStore.open(db, args.region)
    seal_dir = args.seal_dir or default_seal_dir(args.region)
    store = ConfirmationStore(tickets.engine, args.region, SealKeys(seal_dir))
    try:
        await store.create_tables()
        try:
            if args.action == "add":
                department_id, key_id = await store.add_department(args.name, args.uscc.strip())
                print(f"department {department_id} added; seal key {key_id} in {seal_dir}", file=out)
            elif args.action == "sync":
                added = await store.sync_departments()
                for department_id, key_id in added:
                    if args.staff:
                        await store.link_staff(args.staff, department_id)
                    print(f"department {department_id} added; seal key {key_id}", file=out)
                print(f"{len(added)} departments added; seal keys in {seal_dir}", file=out)
            elif args.action == "link":
                await store.link_staff(args.username, args.department_id)
                print(f"staff account {args.username} decides for {args.department_id}", file=out)
            else:
                async with tickets.engine.connect() as conn:
                    staff: dict[str, list[str]] = {}
                    for row in await conn.execute(select(staff_departments)):
                        staff.setdefault(row.department_id, []).append(row.username)
                    for row in await conn.execute(select(departments).order_by(departments.c.name)):
                        names = ", ".join(staff.get(row.department_id, [])) or "no staff linked"
                        print(f"{row.department_id}  {row.name}  seal {row.key_id}  ({names})", file=out)
        except ConfirmationRefused as exc:
            print(f"error: {exc}", file=err)
            return 1
        return 0
    finally:
        await tickets.close()
