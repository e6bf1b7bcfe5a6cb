"""Server-rendered pages: one jinja2 Environment per application, built in the factory, kept under an AppKey.

Templates are package data of :mod:`broker.web` (``broker/web/templates/``), found through a PackageLoader, so
an installed broker finds them without path arithmetic. Every page is rendered in the request's language
(:mod:`broker.web.i18n`): the i18n extension's ``_()`` answers in it, ``lang`` and ``html_lang`` are in the
context with ``lang_links`` (this page in each language), and times are printed in Beijing time by the
``moment`` and ``day`` filters.
"""

from __future__ import annotations

from urllib.parse import urlencode

import jinja2
from aiohttp import web

from broker.web import formats, labels
from broker.web.appkeys import TEMPLATES
from broker.web.i18n import (
    HTML_LANG,
    LANG_COOKIE,
    LANGUAGES,
    Lang,
    asked_language,
    jinja_gettext,
    jinja_ngettext,
    rendering,
)
from broker.web.i18n import language as request_language
from broker.web.security_headers import CSP_NONCE
from broker.web.sessions import set_cookie

#: Headers of every HTML page (the security headers are added by :mod:`broker.web.security_headers`).
PAGE_HEADERS = {"Cache-Control": "no-store", "Vary": "Accept-Language, Cookie"}
_LANG_COOKIE_MAX_AGE = 365 * 86400


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("broker.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(jinja_gettext, jinja_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        moment=formats.moment,
        day=formats.day,
        edition=labels.edition,
        edition_short=labels.edition_short,
        purpose=labels.purpose,
        region=labels.region,
        region_status=labels.region_status,
        record_kind=labels.record_kind,
        outcome=labels.outcome,
        verify_status=labels.verify_status,
        grant_status=labels.grant_status,
        tr=lambda message: jinja_gettext(message),
    )
    return env


def lang_links(request: web.Request) -> dict[str, str]:
    """This page (path and query) in each language: the language switch's links."""
    links: dict[str, str] = {}
    for lang in LANGUAGES:
        query = [(k, v) for k, v in request.query.items() if k != "lang"] + [("lang", lang)]
        links[lang] = f"{request.path}?{urlencode(query)}"
    return links


def render_text(request: web.Request, name: str, **context: object) -> str:
    lang: Lang = request_language(request)
    with rendering(lang):
        return (
            request.app[TEMPLATES]
            .get_template(name)
            .render(
                csp_nonce=request.get(CSP_NONCE, ""),
                lang=lang,
                html_lang=HTML_LANG[lang],
                lang_links=lang_links(request),
                current_path=request.path,
                **context,
            )
        )


def render(
    request: web.Request, name: str, status: int = 200, *, headers: dict[str, str] | None = None, **context: object
) -> web.Response:
    lang = request_language(request)
    html = render_text(request, name, **context)
    response = web.Response(
        text=html,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers=PAGE_HEADERS | {"Content-Language": HTML_LANG[lang]} | (headers or {}),
    )
    remember_language(request, response)
    return response


def remember_language(request: web.Request, response: web.StreamResponse) -> None:
    """A language chosen with ``?lang=`` is kept in a cookie for the next pages."""
    asked = asked_language(request)
    if asked is not None and request.cookies.get(LANG_COOKIE) != asked:
        set_cookie(response, request, LANG_COOKIE, asked, _LANG_COOKIE_MAX_AGE)
