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

    from adapters.pki_files import PkiError
    from broker.app import create_app
    from broker.calendar import load_calendar
    from broker.keys import KeysMissing, load_keyring
    from broker.settings import Settings
    from broker.web.access_log import PathOnlyAccessLogger
    from broker.web.event_loop import fast_event_loop
    from merge.holiday_schedule import ScheduleError

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
        # Checked here too: missing keys, a bad certificate or holiday schedule are one clear line, not a traceback.
        load_keyring(settings.keys_dir)
        settings.node_tls()
        load_calendar(settings.holiday_schedules)
    except (KeysMissing, PkiError, ScheduleError) as exc:
        print(f"jjj serve: {exc}", file=sys.stderr)
        return 2
    if settings.nodes_insecure:
        print("jjj serve: WARNING: JJJ_NODES_INSECURE: plaintext gRPC to the nodes (development only)", file=sys.stderr)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
        loop=fast_event_loop(),
    )
    return 0
