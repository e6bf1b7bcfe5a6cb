"""``jjj accounts add`` (a built-in account) and ``jjj clients add`` (an OAuth client), against the configured Redis.

A client with ``--jwks`` authenticates with ``private_key_jwt``; without, a secret is generated and printed once
(only its hash is stored). A password is read from ``--password-stdin`` or asked for without echo.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from consent.clients import SCOPE_EDITIONS


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = sub.add_parser("accounts", help="built-in subject accounts (demo and tests)")
    accounts_sub = accounts.add_subparsers(dest="action", required=True)
    add = accounts_sub.add_parser("add", help="create or replace an account")
    add.add_argument("--subject", required=True, help="USCC (enterprise) or resident ID number (person)")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=run_accounts_add)

    clients = sub.add_parser("clients", help="OAuth clients (third parties)")
    clients_sub = clients.add_subparsers(dest="action", required=True)
    cadd = clients_sub.add_parser("add", help="register a confidential client")
    cadd.add_argument("--id", required=True, dest="client_id")
    cadd.add_argument("--name", required=True, help="display name shown on the consent screen")
    cadd.add_argument("--redirect-uri", action="append", required=True, help="exact redirect URI (repeatable)")
    cadd.add_argument("--scope", action="append", choices=sorted(SCOPE_EDITIONS), required=True, help="repeatable")
    cadd.add_argument("--jwks", type=Path, help="public JWKS file: the client uses private_key_jwt")
    cadd.set_defaults(func=run_clients_add)


def run_accounts_add(args: argparse.Namespace) -> int:
    from merge.identifiers import InvalidIdentifier, parse_subject

    try:
        subject = parse_subject(args.subject)
    except InvalidIdentifier as exc:
        print(f"jjj accounts add: subject: {exc}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    return asyncio.run(_accounts_add(subject, args.name, password))


async def _accounts_add(subject: object, name: str, password: str) -> int:
    from broker.redis_client import open_redis
    from broker.settings import Settings
    from consent.accounts import AccountStore, WeakPassword
    from consent.errors import ConsentStoreUnavailable
    from merge.identifiers import Subject

    assert isinstance(subject, Subject)
    settings = Settings()
    redis = open_redis(settings)
    try:
        store = AccountStore(redis, settings.redis_prefix, settings.subject_key_secret.get_secret_value().encode())
        account = await store.add(subject, name, password)
    except (WeakPassword, ValueError) as exc:
        print(f"jjj accounts add: {exc}", file=sys.stderr)
        return 2
    except ConsentStoreUnavailable as exc:
        print(f"jjj accounts add: {exc}", file=sys.stderr)
        return 1
    finally:
        await redis.aclose()
    print(f"account {account.masked} ({account.kind.value}, {account.name}) saved")
    return 0


def run_clients_add(args: argparse.Namespace) -> int:
    jwks = json.loads(args.jwks.read_text()) if args.jwks else None
    return asyncio.run(_clients_add(args.client_id, args.name, args.redirect_uri, args.scope, jwks))


async def _clients_add(
    client_id: str, name: str, uris: list[str], scopes: list[str], jwks: dict[str, object] | None
) -> int:
    from broker.redis_client import open_redis
    from broker.settings import Settings
    from consent.clients import ClientRegistry
    from consent.errors import ConsentStoreUnavailable

    settings = Settings()
    redis = open_redis(settings)
    try:
        record, secret = await ClientRegistry(redis, settings.redis_prefix).add(
            client_id, name, uris, scopes, jwks=jwks
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(p) for p in error["loc"])
        print(f"jjj clients add: {field}: {error['msg']}", file=sys.stderr)
        return 2
    except ConsentStoreUnavailable as exc:
        print(f"jjj clients add: {exc}", file=sys.stderr)
        return 1
    finally:
        await redis.aclose()
    print(f"client {record.client_id} ({record.name}) registered, auth {record.auth_method}")
    if secret:
        print(f"client secret (shown once): {secret}")
    return 0
