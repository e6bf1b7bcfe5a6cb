"""``jjj keys init|rotate``: the broker's signing keys and its development CA (see :mod:`broker.keys`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="make (init) or rotate the broker's signing keys and development CA")
    keys.add_argument("action", choices=["init", "rotate"])
    keys.add_argument("--dir", default="var/keys", help="keys directory (default var/keys, as JJJ_KEYS_DIR)")
    keys.add_argument("--force", action="store_true", help="init: replace the development CA and certificate")
    keys.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
