"""The OpenAPI description of sign-in, grants, "who queried me" and the OAuth 2.0 endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SECURITY_SCHEMES: dict[str, Any] = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "jjj_session",
        "description": "signed-in subject; state changes also need the X-CSRF-Token header",
    },
    "oauth2": {
        "type": "oauth2",
        "description": "authorization code + PKCE (S256); access tokens are RFC 9068 JWTs living ≤ 10 minutes",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/oauth/authorize",
                "tokenUrl": "/oauth/token",
                "scopes": {
                    f"report:{e}": f"the {e} edition" for e in ("standard", "administrative", "listing", "person")
                },
            }
        },
    },
}


def _ok(description: str) -> dict[str, Any]:
    return {"200": {"description": description}}


def consent_paths(error: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    form = {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}
    oauth_error = {
        "400": {"description": "RFC 6749 error: {error, error_description}"},
        "401": {"description": "invalid_client"},
    }
    return {
        "/signin": {
            "get": {"summary": "Sign-in page (built-in accounts)", "responses": _ok("HTML form")},
            "post": {
                "summary": "Sign in once: subject (USCC or resident ID) and password; sets the session cookie",
                "requestBody": form,
                "responses": {
                    "303": {"description": "signed in"},
                    "401": {"description": "wrong credentials"},
                    "403": error("CSRF token missing"),
                    "429": error("too many attempts"),
                },
            },
        },
        "/signin/oidc": {
            "get": {
                "summary": "Sign in through the identity platform (OIDC code + PKCE); 404 unless configured",
                "responses": {"302": {"description": "to the identity platform"}, "404": {"description": "off"}},
            }
        },
        "/signin/oidc/callback": {
            "get": {
                "summary": "The identity platform's answer: validates the ID token, opens the session",
                "responses": {
                    "303": {"description": "signed in"},
                    "401": error("state, code or ID token refused"),
                    "503": error("identity platform unreachable"),
                },
            }
        },
        "/signout": {"post": {"summary": "Sign out", "requestBody": form, "responses": {"303": {"description": "ok"}}}},
        "/account": {"get": {"summary": "Account page: grants and who queried me", "responses": _ok("HTML")}},
        "/account/report": {
            "post": {
                "summary": "Form: the signed-in subject's own report (HTML page with its verification code)",
                "responses": _ok("HTML"),
            }
        },
        "/v1/me": {
            "get": {
                "summary": "The signed-in subject (masked) and its CSRF token",
                "responses": {**_ok("subject"), "401": error("not signed in")},
            }
        },
        "/v1/me/queries": {
            "get": {
                "summary": "Who queried me: time, grantee, purpose, grant, outcome",
                "responses": {**_ok("{queries: [...]}"), "401": error("not signed in")},
            }
        },
        "/v1/grants": {
            "get": {
                "summary": "The subject's consent grants",
                "responses": {**_ok("{grants: [...]}"), "401": error("not signed in")},
            }
        },
        "/v1/grants/{grant_id}/{action}": {
            "post": {
                "summary": "Revoke, pause or resume a grant (one action; holds for the next request everywhere)",
                "parameters": [
                    {"name": "grant_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": ["revoke", "pause", "resume"]},
                    },
                ],
                "responses": {
                    **_ok("{grant, status}"),
                    "403": error("CSRF token missing"),
                    "404": error("no such grant of yours"),
                    "409": error("not applicable now"),
                },
            }
        },
        "/.well-known/oauth-authorization-server": {
            "get": {"summary": "RFC 8414 authorization server metadata", "responses": _ok("metadata")}
        },
        "/oauth/authorize": {
            "get": {
                "summary": "Authorization request (code + PKCE S256); shows the consent screen",
                "responses": {**_ok("consent page"), "302": {"description": "error redirect with iss"}},
            },
            "post": {
                "summary": "The subject approves or denies",
                "requestBody": form,
                "responses": {"302": {"description": "code (or access_denied), state and iss"}},
            },
        },
        "/oauth/token": {
            "post": {
                "summary": "Token endpoint (authorization_code only)",
                "requestBody": form,
                "responses": {**_ok("access token"), **oauth_error},
            }
        },
        "/oauth/introspect": {
            "post": {
                "summary": "RFC 7662 introspection",
                "requestBody": form,
                "responses": {**_ok("{active, ...}"), **oauth_error},
            }
        },
        "/oauth/revoke": {
            "post": {
                "summary": "RFC 7009 revocation",
                "requestBody": form,
                "responses": {**_ok("revoked"), **oauth_error},
            }
        },
    }
