"""Bad input is a 4xx JSON error naming the problem, never a 500 (issue 10, point 5) — sent as raw HTTP where a
well-behaved client library would refuse to send it."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from tests.broker.conftest import ENTERPRISE, sign_in

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


async def raw(client: TestClient, request: bytes) -> tuple[int, bytes]:  # type: ignore[type-arg]
    """Send ``request`` as it is; the status and body of the answer."""
    assert client.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def post(path: str, body: bytes, content_type: bytes, *extra: bytes, host: bytes = b"127.0.0.1") -> bytes:
    lines = [b"POST " + path.encode() + b" HTTP/1.1", b"Host: " + host, b"Content-Type: " + content_type,
             b"Content-Length: " + str(len(body)).encode(), b"Connection: close", *extra]  # fmt: skip
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def assert_4xx_json(status: int, body: bytes, field: str | None = None) -> None:
    assert 400 <= status < 500, (status, body[:300])
    error = json.loads(body)["error"]
    assert error["message"]
    if field is not None:
        assert error.get("field") == field, error


async def test_a_number_with_thousands_of_digits(broker_factory: Factory) -> None:
    client = await broker_factory()
    body = b'{"subject": "' + ENTERPRISE.encode() + b'", "window_years": ' + b"9" * 5000 + b', "purpose": "bidding"}'
    assert_4xx_json(*await raw(client, post("/v1/reports", body, b"application/json")))


async def test_deeply_nested_json(broker_factory: Factory) -> None:
    client = await broker_factory()
    body = b"[" * 20_000 + b"]" * 20_000  # under the body limit: the parser, not the limit, must refuse it
    assert_4xx_json(*await raw(client, post("/v1/reports", body, b"application/json")))
    assert_4xx_json(*await raw(client, post("/v1/verify", body, b"application/json")))


async def test_json_that_is_not_utf8(broker_factory: Factory) -> None:
    client = await broker_factory()
    assert_4xx_json(*await raw(client, post("/v1/verify", b'{"code": "\xff\xfe"}', b"application/json")))


async def session_cookie(client: TestClient) -> bytes:  # type: ignore[type-arg]
    """Sign in; the ``Cookie`` header a browser would now send."""
    await sign_in(client)
    cookie = next(c for c in client.session.cookie_jar if c.key == "jjj_session")
    return b"Cookie: jjj_session=" + cookie.value.encode()


@pytest.mark.parametrize(
    "path", ["/v1/verify", "/verify", "/signin", "/oauth/token", "/account/report", "/v1/grants/g_x/revoke"]
)
async def test_broken_multipart(broker_factory: Factory, path: str) -> None:
    client = await broker_factory()
    cookie = await session_cookie(client)  # signed in, so that the body is what gets refused
    body = b'--b\r\nContent-Disposition: form-data; name="code"\r\n\r\nAAAA'  # never closed
    status, answer = await raw(client, post(path, body, b"multipart/form-data; boundary=b", cookie))
    assert 400 <= status < 500, (status, answer[:300])


@pytest.mark.parametrize("path", ["/v1/verify", "/verify", "/signin", "/oauth/token", "/oauth/introspect"])
async def test_multipart_without_a_boundary(broker_factory: Factory, path: str) -> None:
    client = await broker_factory()
    status, answer = await raw(client, post(path, b"code=x", b"multipart/form-data"))
    assert 400 <= status < 500, (status, answer[:300])


@pytest.mark.parametrize("path", ["/v1/reports", "/oauth/token", "/oauth/introspect", "/oauth/revoke"])
async def test_an_authorization_header_that_is_not_utf8(broker_factory: Factory, path: str) -> None:
    client = await broker_factory()
    for header in (b"Authorization: Bearer \xff\xfe\xfd", b"Authorization: Basic " + base64.b64encode(b"\xff:\xfe")):
        request = post(path, b'{"subject": "x"}', b"application/json", header)
        status, answer = await raw(client, request)
        assert 400 <= status < 500, (path, header, status, answer[:300])


async def test_an_unsigned_client_assertion(broker_factory: Factory) -> None:
    client = await broker_factory()
    await sign_in(client)
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
    claims = base64.urlsafe_b64encode(b'{"iss":"demo-bank","sub":"demo-bank","aud":"x","exp":9999999999}').rstrip(b"=")
    form = (
        b"grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback"
        b"&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        b"&client_assertion=" + header + b"." + claims + b"."
    )
    status, answer = await raw(client, post("/oauth/token", form, b"application/x-www-form-urlencoded"))
    assert status in (400, 401), (status, answer[:300])
    assert json.loads(answer)["error"] == "invalid_client"


@pytest.mark.parametrize("host", [b"evil.example", b"[::1", b"a" * 300, b"127.0.0.1:99999", b""])
async def test_an_unknown_or_malformed_host(broker_factory: Factory, host: bytes) -> None:
    client = await broker_factory()
    for path in ("/healthz", "/.well-known/oauth-authorization-server", "/signin", "/verify?code=x"):
        request = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
        status, answer = await raw(client, request)
        assert status < 500, (host, path, status, answer[:300])
