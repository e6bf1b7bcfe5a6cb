"""The routes of sign-in, consent grants, OAuth and "who queried me", added to the app in one place."""

from __future__ import annotations

from aiohttp import web

from broker.routes import grants, me, oauth, oidc, portal, signin


def add_consent_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/signin", signin.signin_page)
    router.add_post("/signin", signin.signin)
    router.add_post("/signout", signin.signout)
    router.add_get("/signin/oidc", oidc.start)
    router.add_get("/signin/oidc/callback", oidc.callback)
    router.add_get("/account", signin.account_page)
    router.add_post("/account/report", portal.issue_own_report)
    router.add_get("/v1/me", me.me)
    router.add_get("/v1/me/queries", me.my_queries)
    router.add_get("/v1/grants", grants.list_grants)
    router.add_post("/v1/grants/{grant_id}/{action}", grants.change_grant)
    router.add_get("/.well-known/oauth-authorization-server", oauth.authorization_server_metadata)
    router.add_get("/oauth/authorize", oauth.authorize_page)
    router.add_post("/oauth/authorize", oauth.authorize_decision)
    router.add_post("/oauth/token", oauth.token)
    router.add_post("/oauth/introspect", oauth.introspect)
    router.add_post("/oauth/revoke", oauth.revoke)
