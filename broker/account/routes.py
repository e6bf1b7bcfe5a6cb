"""The subject's own routes: sign in once (built-in or the identity platform), the account page, the own report,
who I am, who queried me, and my grants."""

from __future__ import annotations

from typing import Any

from broker.account import account_page, grants, home, me, my_reports, oidc, own_report, pending_page, signin
from broker.reports import progress
from broker.web.openapi import FORM, error, ok
from broker.web.routing import Route

_GRANT_PARAMS = [
    {"name": "grant_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "action", "in": "path", "required": True, "schema": {"enum": ["revoke", "pause", "resume"]}},
]

_HTML: dict[str, Any] = {"content": {"text/html": {}}}
_REPORT_NO = [{"name": "report_no", "in": "path", "required": True, "schema": {"type": "string"}}]

ROUTES = (
    Route(
        "GET",
        "/",
        home.home,
        {
            "summary": "Home: what the report is, who may apply, editions, purposes, the steps (HTML)",
            "responses": ok("HTML"),
        },
    ),
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
        account_page.account_page,
        {
            "summary": "Account page: grants and who queried me",
            "responses": ok("HTML"),
        },
    ),
    Route(
        "GET",
        "/account/report",
        own_report.request_page,
        {
            "summary": "The own-report request form: editions and purposes for the subject's kind (HTML)",
            "responses": {**ok("HTML"), "303": {"description": "not signed in: to /signin"}},
        },
    ),
    Route(
        "POST",
        "/account/report",
        own_report.issue_own_report,
        {
            "summary": "Form without JavaScript: issue the own report, then to its page; or the regions' states "
            "and the choice to retry or accept an incomplete report (accept_incomplete=1)",
            "requestBody": FORM,
            "responses": {
                **ok("HTML: the form again (a region did not answer; nothing issued)"),
                "303": {"description": "issued: to /account/reports/{report_no}"},
                "403": {"description": "HTML: not your own number, or a stale form", **_HTML},
                "422": {"description": "HTML: the form again, the wrong field named", **_HTML},
            },
        },
    ),
    Route(
        "POST",
        "/account/report/stream",
        progress.report_stream,
        {
            "summary": "The own-report form answered as server-sent events: each region as it answers, then "
            "issued (url), incomplete (nothing issued: retry or accept) or failed",
            "requestBody": FORM,
            "responses": {
                "200": {"description": "text/event-stream", "content": {"text/event-stream": {}}},
                "303": {"description": "not signed in"},
                "403": error("not your own number, or the CSRF token is missing"),
                "422": error("a field is invalid; `field` names it"),
            },
        },
    ),
    Route(
        "GET",
        "/account/reports",
        my_reports.my_reports,
        {
            "summary": "My reports: number, time, edition, completeness, status; open, download, share (HTML)",
            "responses": {**ok("HTML"), "303": {"description": "not signed in"}},
        },
    ),
    Route(
        "GET",
        "/account/reports/pending/{report_no}",
        pending_page.pending_page,
        {
            "summary": "My report awaiting department confirmation (financial edition): the request, a check button",
            "parameters": _REPORT_NO,
            "responses": {
                **ok("HTML"),
                "303": {"description": "not signed in"},
                "404": error("not one of your reports awaiting confirmation"),
                "409": error("issued already"),
            },
        },
    ),
    Route(
        "POST",
        "/account/reports/pending/{report_no}",
        pending_page.ask_again,
        {
            "summary": "Ask the regions again: still pending (each region's confirmations), or issued (to the report)",
            "parameters": _REPORT_NO,
            "requestBody": FORM,
            "responses": {
                **ok("HTML: still pending"),
                "303": {"description": "issued: to /account/reports/{no}"},
                "403": error("stale form"),
                "404": error("not one of your reports awaiting confirmation"),
                "409": {"description": "HTML: could not be asked now (issued, being issued)", **_HTML},
            },
        },
    ),
    Route(
        "GET",
        "/account/reports/{report_no}",
        my_reports.open_report,
        {
            "summary": "One of my reports: header, matrix, records by region, downloads, share panel (HTML)",
            "parameters": _REPORT_NO,
            "responses": {
                **ok("HTML"),
                "303": {"description": "not signed in"},
                "404": error("not one of your reports"),
                "410": error("expired or revoked: its content is no longer held"),
            },
        },
    ),
    Route(
        "GET",
        "/account/grants/{grant_id}/revoke",
        account_page.confirm_revoke,
        {
            "summary": "Asks before revoking a grant: who, for what, until when (HTML); the form posts to "
            "/v1/grants/{grant_id}/revoke",
            "parameters": [_GRANT_PARAMS[0]],
            "responses": {
                **ok("HTML"),
                "303": {"description": "not signed in"},
                "404": error("no such grant of yours"),
            },
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
