"""``jjj audit verify`` and ``jjj audit checkpoint``: check the audit chain, or sign its head now.

Settings come from the ``JJJ_*`` environment like ``jjj serve`` (Redis URL and prefix, keys directory).
``verify`` prints a one-line summary and every problem found; exit 0 when the chain is intact, 1 when it was
tampered with, 2 when it could not be checked (configuration, keys, Redis unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from broker.settings import Settings


def add_parser(sub: Any) -> None:
    """Register ``audit`` on the ``jjj`` command's subparsers."""
    audit = sub.add_parser("audit", help="verify the hash-chained audit log, or sign its head (checkpoint)")
    audit.add_argument("action", choices=["verify", "checkpoint"])
    audit.set_defaults(func=run)


async def _run(action: str, settings: Settings) -> int:
    from broker.audit.log import AuditLog
    from broker.audit.verify import verify_chain
    from broker.keys import load_keyring
    from broker.redis_client import open_redis

    ring = load_keyring(settings.keys_dir)
    redis = open_redis(settings)
    try:
        if action == "checkpoint":
            checkpoint = await AuditLog(redis, settings.redis_prefix, ring).checkpoint()
            print(f"signed the audit head at seq {checkpoint.seq} ({checkpoint.hash[:16]}…) with key {ring.active_kid}")
            return 0
        result = await verify_chain(redis, settings.redis_prefix, ring.verification_keys())
    finally:
        await redis.aclose()
    print(result.summary())
    for problem in result.problems:
        print(f"  - {problem}")
    return 0 if result.ok else 1


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from redis.exceptions import RedisError

    from broker.keys import KeysMissing
    from broker.settings import Settings

    try:
        settings = Settings()
        return asyncio.run(_run(args.action, settings))
    except ValidationError as exc:
        print(f"jjj audit: invalid configuration:\n{exc}", file=sys.stderr)
    except KeysMissing as exc:
        print(f"jjj audit: {exc}", file=sys.stderr)
    except RedisError as exc:
        print(f"jjj audit: Redis is unreachable ({type(exc).__name__})", file=sys.stderr)
    except Exception as exc:
        # ConsentStoreUnavailable from a checkpoint; anything else is reported by name, never as "tampered".
        print(f"jjj audit: could not {args.action} ({type(exc).__name__}: {exc})", file=sys.stderr)
    return 2
