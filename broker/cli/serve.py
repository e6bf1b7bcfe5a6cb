"""``jjj serve``: the broker, with settings from the ``JJJ_*`` environment, on uvloop when it is installed.

Everything that would fail later is checked before the port opens, each as one clear line: a default or weak
secret in production, missing keys, a bad certificate, an unusable holiday schedule.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from broker.settings import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the broker (settings from JJJ_* environment variables)")
    serve.add_argument("--host", default=None, help="listen address (default JJJ_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default JJJ_PORT or 8080)")
    serve.set_defaults(func=run)


def checked_settings(args: argparse.Namespace) -> Settings | None:
    """The settings, or None after printing why the broker must not start."""
    from pydantic import ValidationError

    from adapters.pki_files import PkiError
    from broker.calendar import load_calendar
    from broker.keys import KeysMissing, load_keyring
    from broker.settings import InsecureConfiguration, Settings
    from merge.holiday_schedule import ScheduleError

    overrides = {name: value for name in ("host", "port") if (value := getattr(args, name)) is not None}
    # Secrets as files named after their variables (JJJ_SUBJECT_KEY_SECRET, JJJ_REDIS_URL …) in the directory
    # systemd's LoadCredential= makes ($CREDENTIALS_DIRECTORY; deploy/ mounts Kubernetes Secrets the same way).
    # A variable set in the environment wins over its file.
    credentials = os.environ.get("CREDENTIALS_DIRECTORY") or None
    try:
        settings = Settings(_secrets_dir=credentials, **overrides)
        warnings = settings.check_production()
        load_keyring(settings.keys_dir)
        settings.node_tls()
        load_calendar(settings.holiday_schedules)
    except ValidationError as exc:
        print(f"jjj serve: invalid configuration:\n{exc}", file=sys.stderr)
        return None
    except InsecureConfiguration as exc:
        print(
            "jjj serve: refusing to start in production (JJJ_ENV=development runs a development broker):",
            file=sys.stderr,
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None
    except (KeysMissing, PkiError, ScheduleError) as exc:
        print(f"jjj serve: {exc}", file=sys.stderr)
        return None
    if settings.env == "development":
        print("jjj serve: development mode (JJJ_ENV=development): not for real data", file=sys.stderr)
    for warning in warnings:
        print(f"jjj serve: WARNING: {warning}", file=sys.stderr)
    return settings


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from adapters import logs
    from adapters.event_loop import fast_event_loop
    from adapters.malloc import fix_mmap_threshold
    from broker.app import create_app
    from broker.web.access_log import PathOnlyAccessLogger

    settings = checked_settings(args)
    if settings is None:
        return 2
    logs.configure(logging.DEBUG if args.verbose else logging.INFO, json_lines=settings.log_format == "json")
    fix_mmap_threshold()  # a large report's buffers go back to the system once it is sent (adapters/malloc.py)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
        loop=fast_event_loop(),
    )
    return 0
