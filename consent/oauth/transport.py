"""authlib's view of an aiohttp request, and back: the request adapter the integration runs authlib through.

authlib refuses plain-HTTP URIs unless ``AUTHLIB_INSECURE_TRANSPORT`` is set process-wide; instead we decide
here: HTTPS, or HTTP on loopback only (RFC 8252 §8.3), and give authlib the HTTPS form of a loopback URI.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from joserfc import jws
from multidict import MultiDictProxy

from consent.oauth.server import OAuthResponse

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class InsecureTransport(Exception):
    """OAuth over plain HTTP from anywhere but loopback."""


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._list: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._list[key].append(value)
        self._data = {key: values[0] for key, values in self._list.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._list


class AiohttpOAuthRequest(OAuth2Request):  # type: ignore[misc]
    """An ``OAuth2Request`` over parameters already read from the aiohttp request (query or form)."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], items: list[tuple[str, str]]) -> None:
        super().__init__(method, uri, headers=dict(headers))
        self.payload = _Payload(items)

    @property
    def args(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


def is_loopback_url(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK


def to_oauth_request(
    request: web.Request, issuer: str, params: MultiDictProxy[Any] | Mapping[str, Any]
) -> AiohttpOAuthRequest:
    """authlib's request for ``request``, its URI built on the configured ``issuer`` (never the Host header)."""
    uri = issuer.rstrip("/") + request.rel_url.path_qs
    if not uri.startswith("https://"):
        if not is_loopback_url(uri):
            raise InsecureTransport("OAuth needs HTTPS outside loopback")
        uri = urlunsplit(("https", *urlsplit(uri)[1:]))
    items = [(k, v) for k, v in params.items() if isinstance(v, str)]
    return AiohttpOAuthRequest(request.method, uri, _readable_headers(request.headers), items)


def _readable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers authlib may read: an ``Authorization`` it could not decode (bytes that are not UTF-8, Basic
    credentials that are not base64 of UTF-8) is dropped, so the client is simply not authenticated
    (``invalid_client``) instead of authlib raising on it."""
    kept = dict(headers)
    value = kept.get("Authorization")
    if value is not None and not _decodable(value):
        del kept["Authorization"]
    return kept


def _decodable(value: str) -> bool:
    if not value.isascii():  # aiohttp hands non-UTF-8 header bytes over as lone surrogates
        return False
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def to_web_response(response: OAuthResponse) -> web.Response:
    headers = {k: v for k, v in response.headers if k.lower() != "content-type"}
    headers.setdefault("Cache-Control", "no-store")
    if response.status == 302:
        return web.Response(status=302, headers=headers)
    body = response.body if isinstance(response.body, str) else json.dumps(response.body)
    return web.Response(status=response.status, text=body, content_type="application/json", headers=headers)


def client_id_of(oauth_request: AiohttpOAuthRequest) -> str | None:
    basic_id, _ = extract_basic_authorization(oauth_request.headers)
    if basic_id:
        return str(basic_id)
    assertion = oauth_request.form.get("client_assertion")
    if assertion:
        try:
            claims = json.loads(jws.extract_compact(assertion.encode()).payload)
        except Exception:  # unparseable: authlib rejects it with invalid_client
            return None
        sub = claims.get("sub") if isinstance(claims, dict) else None
        return sub if isinstance(sub, str) else None
    return oauth_request.form.get("client_id")


def assertion_jti(oauth_request: AiohttpOAuthRequest) -> str | None:
    assertion = oauth_request.form.get("client_assertion")
    if not assertion:
        return None
    try:
        claims = json.loads(jws.extract_compact(assertion.encode()).payload)
    except Exception:
        return None
    jti = claims.get("jti") if isinstance(claims, dict) else None
    return jti if isinstance(jti, str) and len(jti) <= 256 else None
