"""``jjj adapter objections list|show|accept|reject`` and ``jjj adapter staff add``: the credit centre's staff at the
command line, on the node's own database (the same tickets the staff page shows)."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import TextIO

from adapters.staff.accounts import StaffAccountError, StaffAccounts
from adapters.ticket_models import Ticket
from adapters.tickets import TicketNotFound, TicketRefused, TicketStore

PASSWORD_ENV = "JJJ_STAFF_PASSWORD"  # noqa: S105 - the name of an environment variable


def add_ticket_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: object) -> None:
    objections = commands.add_parser("objections", help="objection and repair tickets: list, show, accept, reject")
    actions = objections.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="tickets, newest first (overdue ones flagged)")
    listing.add_argument("--status", choices=("open", "accepted", "approved", "rejected"))
    show = actions.add_parser("show", help="one ticket with its history")
    show.add_argument("ticket_id")
    for name, what in (("accept", "accept an objection / approve a repair"), ("reject", "reject a ticket")):
        decide = actions.add_parser(name, help=what)
        decide.add_argument("ticket_id")
        decide.add_argument("--note", required=True, help="the basis (accept) or the reason (reject)")
        decide.add_argument("--staff", default=os.environ.get("USER", "cli"), help="who decides (default $USER)")
    for sub in actions.choices.values():
        common(sub)  # type: ignore[operator]
    staff = commands.add_parser("staff", help="staff accounts of the node's staff page")
    staff_actions = staff.add_subparsers(dest="action", required=True)
    add = staff_actions.add_parser("add", help=f"add a staff account (password from ${PASSWORD_ENV} or a prompt)")
    add.add_argument("username")
    common(add)  # type: ignore[operator]


def _line(ticket: Ticket) -> str:
    flag = " OVERDUE" if ticket.overdue else ""
    return (f"{ticket.ticket_id}  {ticket.kind.value:9}  {ticket.status.value:8}  record {ticket.record_id}  "
            f"filed {ticket.filed_at:%Y-%m-%d}  due {ticket.due_on}{flag}")  # fmt: skip


async def run_tickets(args: argparse.Namespace, db: str, out: TextIO, err: TextIO) -> int:
    store = await TicketStore.open(db, args.region)
    try:
        if args.command == "staff":
            password = os.environ.get(PASSWORD_ENV) or getpass.getpass("password: ")
            try:
                await StaffAccounts(store.engine).add(args.username, password)
            except StaffAccountError as exc:
                print(f"error: {exc}", file=err)
                return 1
            print(f"staff account {args.username} added", file=out)
            return 0
        if args.action == "list":
            for ticket in await store.all(args.status):
                print(_line(ticket), file=out)
            return 0
        try:
            if args.action == "show":
                ticket = await store.get(args.ticket_id)
            else:
                ticket = await store.decide(args.ticket_id, args.action == "accept", note=args.note, staff=args.staff)
        except TicketNotFound:
            print(f"error: ticket {args.ticket_id}: no such ticket", file=err)
            return 1
        except TicketRefused as exc:
            print(f"error: {exc}", file=err)
            return 1
        print(_line(ticket), file=out)
        if ticket.field:
            print(f"  field {ticket.field}: {ticket.current_value!r} -> {ticket.proposed_value!r}", file=out)
        print(f"  reason: {ticket.reason}", file=out)
        for name, media, size in ticket.attachments:
            print(f"  attachment {name} ({media}, {size} B)", file=out)
        for e in ticket.history:
            print(f"  {e.at:%Y-%m-%d %H:%M} {e.status.value} {e.note} ({e.actor}) {e.change}".rstrip(), file=out)
        return 0
    finally:
        await store.close()
