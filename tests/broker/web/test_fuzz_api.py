"""schemathesis against ``/openapi.json`` (issue 10): generated requests to every documented operation —
unauthenticated, with a signed-in session, and with a third party's bearer token — and not one server error."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import hypothesis
import pytest
import schemathesis
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from adapters.pki import PkiLayout
from broker.web.appkeys import ACCOUNTS, CLIENTS
from broker.web.routing import ROUTES
from merge.identifiers import parse_subject
from tests.broker.conftest import ENTERPRISE, PASSWORD
from tests.broker.live import LiveBroker, live_broker

REDIRECT = "http://127.0.0.1:9/callback"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def broker(pki: PkiLayout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBroker]:
    # Generous limits: the fuzzer's wrong codes and sign-ins must not turn every later answer into a 429.
    with live_broker(
        pki, tmp_path_factory.mktemp("fuzz"), verify_attempts_per_client=100_000, signin_attempts_per_address=100_000
    ) as live:
        yield live


def _sign_in(broker: LiveBroker, http: httpx.Client) -> str:
    broker.run(lambda: broker.app[ACCOUNTS].add(parse_subject(ENTERPRISE), "示例主体", PASSWORD))
    match = _CSRF.search(http.get("/signin").text)
    assert match is not None
    answer = http.post("/signin", data={"subject": ENTERPRISE, "password": PASSWORD, "csrf_token": match.group(1)})
    assert answer.status_code == 303, answer.text
    csrf: str = http.get("/v1/me").json()["csrf_token"]
    return csrf


def _bearer(broker: LiveBroker, http: httpx.Client) -> str:
    """A real token: the bank asks, the signed-in subject approves, the bank redeems the code."""
    added = broker.run(lambda: broker.app[CLIENTS].add("fuzz-bank", "银行", [REDIRECT], ["report:standard"]))
    secret = added[1]
    assert secret is not None
    verifier = secrets.token_urlsafe(48)
    query = {"response_type": "code", "client_id": "fuzz-bank", "redirect_uri": REDIRECT, "scope": "report:standard",
             "state": "s", "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
             "purpose": "bidding", "max_uses": "100"}  # fmt: skip
    page = http.get("/oauth/authorize", params=query)
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
    decision = http.post("/oauth/authorize", data={**fields, "decision": "approve"})
    code = parse_qs(urlsplit(decision.headers["Location"]).query)["code"][0]
    token = http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        auth=("fuzz-bank", secret),
    )
    assert token.status_code == 200, token.text
    access: str = token.json()["access_token"]
    return access


@pytest.fixture(scope="module")
def credentials(broker: LiveBroker) -> dict[str, dict[str, Any]]:
    with httpx.Client(base_url=broker.base_url, follow_redirects=False) as http:
        csrf = _sign_in(broker, http)
        session = {"cookies": {"jjj_session": http.cookies["jjj_session"]}, "headers": {"X-CSRF-Token": csrf}}
        token = _bearer(broker, http)
    return {"anonymous": {}, "session": session, "bearer": {"headers": {"Authorization": f"Bearer {token}"}}}


@pytest.fixture(scope="module")
def api_schema(broker: LiveBroker) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{broker.base_url}/openapi.json")


def _fuzz(api_schema: schemathesis.BaseSchema, broker: LiveBroker, given: dict[str, Any]) -> None:
    """Every operation of the document, with requests that fit it and requests that do not; any 5xx fails with
    the request as curl. (schemathesis' own pytest integration does not run on pytest 9 yet, so the operations
    are driven here.)"""
    sent: list[int] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                headers = {**(case.headers or {}), **given.get("headers", {})}
                response = case.call(base_url=broker.base_url, headers=headers, cookies=given.get("cookies"))
                sent.append(response.status_code)
                assert response.status_code < 500, case.as_curl_command(headers=headers)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                # An operation without parameters or body has no input that breaks its schema.
                assert mode is GenerationMode.NEGATIVE, operation.label
    # The run really exercised the API: every operation of the document, several requests each.
    # (schemathesis leaves out the document it was loaded from.)
    documented = {f"{route.method} {route.path}" for route in broker.app[ROUTES]} - {"GET /openapi.json"}
    assert {operation.label for operation in operations} == documented
    assert len(sent) >= 5 * len(operations)


def test_anonymous_requests_are_never_a_server_error(
    api_schema: schemathesis.BaseSchema, broker: LiveBroker, credentials: dict[str, Any]
) -> None:
    _fuzz(api_schema, broker, credentials["anonymous"])


def test_signed_in_requests_are_never_a_server_error(
    api_schema: schemathesis.BaseSchema, broker: LiveBroker, credentials: dict[str, Any]
) -> None:
    _fuzz(api_schema, broker, credentials["session"])


def test_bearer_requests_are_never_a_server_error(
    api_schema: schemathesis.BaseSchema, broker: LiveBroker, credentials: dict[str, Any]
) -> None:
    _fuzz(api_schema, broker, credentials["bearer"])
