"""A demo third party ("示例银行"): the OAuth client a newcomer watches fetch a report with a subject's consent.

It does what a bank's integration would: authorization-code flow with PKCE (S256) and ``state``, checks the
``iss`` in the authorization response (RFC 9207), redeems the code with ``client_secret_basic``, then calls
``POST /v1/reports`` with the access token. It keeps its one token in memory, so "fetch again" shows what happens
after the subject revokes the grant. Run by ``jjj demo``; not part of the broker.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jinja2
from aiohttp import web
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from pydantic_settings import BaseSettings, SettingsConfigDict


class BankSettings(BaseSettings):
    """The bank's client secret, given by ``jjj demo`` in ``JJJ_DEMO_BANK_SECRET``."""

    model_config = SettingsConfigDict(env_prefix="JJJ_DEMO_BANK_", frozen=True, extra="ignore")

    secret: str = ""


@dataclass
class BankState:
    broker: str
    client_id: str
    client_secret: str
    redirect_uri: str
    pending: dict[str, tuple[str, str]] = field(default_factory=dict)  # state → (verifier, subject)
    token: str | None = None
    subject: str = ""


BANK = web.AppKey("bank", BankState)
HTTP = web.AppKey("http", aiohttp.ClientSession)
PAGE = web.AppKey("page", jinja2.Template)


def _page(request: web.Request, **context: Any) -> web.Response:
    return web.Response(text=request.app[PAGE].render(**context), content_type="text/html")


async def index(request: web.Request) -> web.Response:
    bank = request.app[BANK]
    return _page(request, subject=bank.subject, has_token=bank.token is not None)


async def start(request: web.Request) -> web.StreamResponse:
    bank = request.app[BANK]
    subject = str((await request.post()).get("subject", "")).strip()
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(16)
    bank.pending[state] = (verifier, subject)
    bank.subject = subject
    query = urlencode(
        {
            "response_type": "code",
            "client_id": bank.client_id,
            "redirect_uri": bank.redirect_uri,
            "scope": "report:standard",
            "state": state,
            "purpose": "financing",
            "max_uses": "3",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    raise web.HTTPSeeOther(f"{bank.broker}/oauth/authorize?{query}")


async def _fetch_report(request: web.Request) -> web.Response:
    bank = request.app[BANK]
    body = {"subject": bank.subject, "edition": "standard", "window_years": 3, "purpose": "financing"}
    headers = {"Authorization": f"Bearer {bank.token}"}
    async with request.app[HTTP].post(f"{bank.broker}/v1/reports", json=body, headers=headers) as response:
        payload = await response.json(content_type=None)
        if response.status != 200:
            error = payload.get("error", {})
            return _page(request, subject=bank.subject, has_token=True, error=f"HTTP {response.status} {error}")
        return _page(
            request,
            subject=bank.subject,
            has_token=True,
            report=payload,
            verification_code=response.headers.get("X-Verification-Code", ""),
            verify_url=response.headers.get("X-Verify-URL", ""),
        )


async def callback(request: web.Request) -> web.Response:
    bank = request.app[BANK]
    state = request.query.get("state", "")
    if state not in bank.pending:
        return _page(request, subject=bank.subject, error="unknown or reused state")
    verifier, bank.subject = bank.pending.pop(state)
    if "error" in request.query:
        return _page(request, subject=bank.subject, error=f"主体拒绝了授权 ({request.query['error']})")
    # RFC 9207: the response must come from the authorization server we sent the user to.
    if request.query.get("iss", "").rstrip("/") != bank.broker.rstrip("/"):
        return _page(request, subject=bank.subject, error="authorization response from an unexpected issuer")
    form = {
        "grant_type": "authorization_code",
        "code": request.query.get("code", ""),
        "redirect_uri": bank.redirect_uri,
        "code_verifier": verifier,
    }
    auth = aiohttp.BasicAuth(bank.client_id, bank.client_secret)
    async with request.app[HTTP].post(f"{bank.broker}/oauth/token", data=form, auth=auth) as response:
        token = await response.json(content_type=None)
    if "access_token" not in token:
        return _page(request, subject=bank.subject, error=f"token request failed: {token}")
    bank.token = token["access_token"]
    return await _fetch_report(request)


async def fetch_again(request: web.Request) -> web.Response:
    if request.app[BANK].token is None:
        raise web.HTTPSeeOther("/")
    return await _fetch_report(request)


async def _http_ctx(app: web.Application) -> Any:
    app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    yield
    await app[HTTP].close()


def create_bank_app(state: BankState) -> web.Application:
    app = web.Application()
    app[BANK] = state
    environment = jinja2.Environment(loader=jinja2.PackageLoader("broker.demo", "templates"), autoescape=True)
    app[PAGE] = environment.get_template("demo_bank.html.j2")
    app.cleanup_ctx.append(_http_ctx)
    app.router.add_get("/", index)
    app.router.add_post("/start", start)
    app.router.add_get("/callback", callback)
    app.router.add_post("/fetch", fetch_again)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the jjj demo's third party (a bank)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--broker", required=True, help="the broker's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--client-id", default="demo-bank")
    args = parser.parse_args(argv)
    secret = BankSettings().secret  # from the environment, never argv (visible in ps)
    if not secret:
        print("demo bank: JJJ_DEMO_BANK_SECRET is not set", file=sys.stderr)
        return 2
    state = BankState(
        broker=args.broker.rstrip("/"),
        client_id=args.client_id,
        client_secret=secret,
        redirect_uri=f"http://127.0.0.1:{args.port}/callback",
    )
    web.run_app(create_bank_app(state), host="127.0.0.1", port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
