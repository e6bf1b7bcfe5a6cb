"""``jjj demo``: three seeded nodes, Redis if needed, the broker and a demo bank, on loopback."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="start three seeded nodes, Redis if needed, and the broker, on loopback")
    demo.add_argument("--port", type=int, default=8080, help="broker port (default 8080)")
    demo.add_argument("--seed", type=int, default=2026, help="seed of the synthetic data (default 2026)")
    demo.add_argument("--subjects", type=int, default=200, help="subjects seeded per region (default 200)")
    demo.add_argument("--data-dir", default="var/demo", help="where the demo keeps its databases (default var/demo)")
    demo.add_argument(
        "--insecure", action="store_true", help="DEVELOPMENT ONLY: plaintext gRPC between broker and nodes (no mTLS)"
    )
    demo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from broker.demo.run import run_demo

    try:
        return run_demo(
            port=args.port, seed=args.seed, subjects=args.subjects, data_dir=args.data_dir, insecure=args.insecure
        )
    except ValidationError as exc:
        print(f"jjj demo: invalid configuration (JJJ_* environment):\n{exc}", file=sys.stderr)
        return 2
