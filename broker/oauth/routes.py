"""The OAuth 2.0 routes (RFC 6749 code + PKCE, 7662, 7009, 8414): the consent screen and the endpoints."""

from __future__ import annotations

from broker.oauth import consent_screen, endpoints
from broker.web.openapi import FORM, ok
from broker.web.routing import Route

_OAUTH_ERRORS = {
    "400": {"description": "RFC 6749 error: {error, error_description}"},
    "401": {"description": "invalid_client"},
}

ROUTES = (
    Route(
        "GET",
        "/.well-known/oauth-authorization-server",
        endpoints.authorization_server_metadata,
        {
            "summary": "RFC 8414 authorization server metadata",
            "responses": ok("metadata"),
        },
    ),
    Route(
        "GET",
        "/oauth/authorize",
        consent_screen.authorize_page,
        {
            "summary": "Authorization request (code + PKCE S256); shows the consent screen",
            "responses": {**ok("consent page"), "302": {"description": "error redirect with iss"}},
        },
    ),
    Route(
        "POST",
        "/oauth/authorize",
        consent_screen.authorize_decision,
        {
            "summary": "The subject approves or denies",
            "requestBody": FORM,
            "responses": {"302": {"description": "code (or access_denied), state and iss"}},
        },
    ),
    Route(
        "POST",
        "/oauth/token",
        endpoints.token,
        {
            "summary": "Token endpoint (authorization_code only)",
            "requestBody": FORM,
            "responses": {**ok("access token"), **_OAUTH_ERRORS},
        },
    ),
    Route(
        "POST",
        "/oauth/introspect",
        endpoints.introspect,
        {
            "summary": "RFC 7662 introspection",
            "requestBody": FORM,
            "responses": {**ok("{active, ...}"), **_OAUTH_ERRORS},
        },
    ),
    Route(
        "POST",
        "/oauth/revoke",
        endpoints.revoke,
        {
            "summary": "RFC 7009 revocation",
            "requestBody": FORM,
            "responses": {**ok("revoked"), **_OAUTH_ERRORS},
        },
    ),
)
