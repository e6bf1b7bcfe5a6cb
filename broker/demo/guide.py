"""What the demo prints for a newcomer: where everything runs, whom to sign in as, and the walkthrough.

A person's resident ID is shown to nobody but its owner (invariant 4), so the console prints seeded persons
masked and points to ``<data>/accounts.txt`` (0600), which lists the full numbers to sign in with.
"""

from __future__ import annotations

from pathlib import Path

from adapters.seed import DemoSubject, demo_subjects
from broker.demo.consent import DEMO_PASSWORD
from broker.demo.private import write_private
from broker.demo.supervisor import Supervisor
from merge.identifiers import parse_subject


def shown(subject: DemoSubject) -> str:
    """The identifier as the console prints it: a person's resident ID masked."""
    return parse_subject(subject.identifier).masked


def write_accounts(data: Path, seed: int) -> Path:
    """The seeded accounts with their full identifiers, for the demo's operator only (0600)."""
    lines = ["# jjj demo accounts (password: see the console). Full identifiers: keep this file to yourself.", ""]
    lines += [f"{s.identifier}  {s.name}  ({s.kind})" for s in demo_subjects(seed)]
    path = data / "accounts.txt"
    write_private(path, "\n".join(lines) + "\n")
    return path


def print_ready(port: int, supervisor: Supervisor, seed: int, bank_port: int, accounts: Path) -> None:
    print("\njjj demo is running (Ctrl-C stops everything):\n")
    for child in supervisor.children:
        print(f"  {child.name:<10} {child.where:<28} log: {child.log}")
    print("\nSeeded subjects to try:")
    for subject in demo_subjects(seed):
        print(f"  {shown(subject)}  {subject.name}  ({subject.note})")
    print(f"  (persons are shown masked; their full numbers, to sign in with, are in {accounts}, readable by you only)")
    print(walkthrough(port, bank_port, seed), end="")
    print(f"Health: curl -s http://127.0.0.1:{port}/healthz   API: http://127.0.0.1:{port}/openapi.json\n", flush=True)


def walkthrough(port: int, bank_port: int, seed: int) -> str:
    subjects = demo_subjects(seed)
    example = next((s for s in subjects if s.kind == "enterprise"), subjects[0])
    base = f"http://127.0.0.1:{port}"
    return f"""
Every seeded subject has a built-in account; the password is {DEMO_PASSWORD!r}. Try this in a browser:

  0. The guide (what the report replaces, editions, steps), in Chinese or English: {base}/  (中文 | English)
  1. Sign in once as {example.identifier} ({example.name}):  {base}/signin
  2. On {base}/account/report press 出具报告: the three regions answer live, then the report opens, with its
     verification code, QR code and PDF; {base}/account/reports lists it to re-open later.
  3. Open the demo bank at http://127.0.0.1:{bank_port}/ and ask for that enterprise's report; jjj shows you
     the bank's authorization request — approve it, and watch the bank fetch the report with its token.
  4. Back on {base}/account: the grant, and the bank's query under 谁查询了我 (who queried me).
     Revoke the grant (撤回, then confirm), then press 使用同一授权再次查询 at the bank: the request is refused.

  5. The financial edition (金融专用版): on {base}/account/report choose it for {example.identifier}. Nothing is issued
     yet: each region asks the departments owning the records to confirm them. On each node's staff page (the
     addresses above; user staff, the same password) open 部门确认, open a record and press 确认无误并加盖电子印章
     (or annotate it). Back on the pending page press 查询确认进度: once every department has answered the report
     opens, each record stating who confirmed it under which electronic seal; `jjj verify` checks the seals too.

Stop a node (e.g. kill its process): the next request shows that region unavailable and asks whether to retry
or to take an incomplete report, which says so everywhere and is never usable as a certificate.
"""
