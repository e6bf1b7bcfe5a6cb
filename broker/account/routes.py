"""The subject's own routes: sign in once (built-in or the identity platform), the account page, the own report,
who I am, who queried me, and my grants."""

from __future__ import annotations

from broker.account import grants, me, oidc, own_report, signin
from broker.web.openapi import FORM, error, ok
from broker.web.routing import Route

_GRANT_PARAMS = [
    {"name": "grant_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "action", "in": "path", "required": True, "schema": {"enum": ["revoke", "pause", "resume"]}},
]

ROUTES = (
    Route(
        "GET",
        "/signin",
        signin.signin_page,
        {"summary": "Sign-in page (built-in accounts)", "responses": ok("HTML form")},
    ),
    Route(
        "POST",
        "/signin",
        signin.signin,
        {
            "summary": "Sign in once: subject (USCC or resident ID) and password; sets the session cookie",
            "requestBody": FORM,
            "responses": {
                "303": {"description": "signed in"},
                "401": {"description": "wrong credentials"},
                "403": error("CSRF token missing"),
                "429": error("too many attempts"),
            },
        },
    ),
    Route(
        "POST",
        "/signout",
        signin.signout,
        {
            "summary": "Sign out",
            "requestBody": FORM,
            "responses": {"303": {"description": "ok"}},
        },
    ),
    Route(
        "GET",
        "/signin/oidc",
        oidc.start,
        {
            "summary": "Sign in through the identity platform (OIDC code + PKCE); 404 unless configured",
            "responses": {"302": {"description": "to the identity platform"}, "404": {"description": "off"}},
        },
    ),
    Route(
        "GET",
        "/signin/oidc/callback",
        oidc.callback,
        {
            "summary": "The identity platform's answer: validates the ID token, opens the session",
            "responses": {
                "303": {"description": "signed in"},
                "401": error("state, code or ID token refused"),
                "503": error("identity platform unreachable"),
            },
        },
    ),
    Route(
        "GET",
        "/account",
        signin.account_page,
        {
            "summary": "Account page: grants and who queried me",
            "responses": ok("HTML"),
        },
    ),
    Route(
        "POST",
        "/account/report",
        own_report.issue_own_report,
        {
            "summary": "Form: the signed-in subject's own report (HTML page with its verification code)",
            "responses": ok("HTML"),
        },
    ),
    Route(
        "GET",
        "/v1/me",
        me.me,
        {
            "summary": "The signed-in subject (masked) and its CSRF token",
            "responses": {**ok("subject"), "401": error("not signed in")},
        },
    ),
    Route(
        "GET",
        "/v1/me/queries",
        me.my_queries,
        {
            "summary": "Who queried me: time, grantee, purpose, grant, outcome",
            "responses": {**ok("{queries: [...]}"), "401": error("not signed in")},
        },
    ),
    Route(
        "GET",
        "/v1/grants",
        grants.list_grants,
        {
            "summary": "The subject's consent grants",
            "responses": {**ok("{grants: [...]}"), "401": error("not signed in")},
        },
    ),
    Route(
        "POST",
        "/v1/grants/{grant_id}/{action}",
        grants.change_grant,
        {
            "summary": "Revoke, pause or resume a grant (one action; holds for the next request everywhere)",
            "parameters": _GRANT_PARAMS,
            "responses": {
                **ok("{grant, status}"),
                "403": error("CSRF token missing"),
                "404": error("no such grant of yours"),
                "409": error("not applicable now"),
            },
        },
    ),
)
