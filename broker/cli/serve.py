"""``jjj serve``: the broker, with settings from the ``JJJ_*`` environment, on uvloop when it is installed."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the broker (settings from JJJ_* environment variables)")
    serve.add_argument("--host", default=None, help="listen address (default JJJ_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default JJJ_PORT or 8080)")
    serve.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aiohttp import web
    from pydantic import ValidationError

    from broker.app import create_app
    from broker.keys import KeysMissing, load_keyring
    from broker.settings import Settings
    from broker.web.access_log import PathOnlyAccessLogger
    from broker.web.event_loop import fast_event_loop

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
