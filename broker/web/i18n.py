"""The portal's languages: Chinese first (the msgids are Chinese), English from a gettext catalogue.

The language of a page comes from, in order: ``?lang=`` (which the language switch sets, and which is then kept
in a cookie), the ``jjj_lang`` cookie, the browser's ``Accept-Language`` (negotiated by Babel), else Chinese.
Catalogues are ``broker/web/locale/<lang>/LC_MESSAGES/messages.po``, read once per process with Babel and held
as :class:`babel.support.Translations` in memory (no compiled ``.mo`` files in the repository).

Templates call ``_()`` / ``ngettext()`` (jinja2's i18n extension, new-style: autoescaped, ``%(name)s``
placeholders); code marks its strings with :func:`N_` and translates them at the boundary with :func:`gettext`.
The jinja callables read the language of the page being rendered from a context variable that
:func:`rendering` sets around one synchronous render.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Final, Literal

from aiohttp import web
from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

Lang = Literal["zh", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT: Final[Lang] = "zh"
LANG_COOKIE = "jjj_lang"
#: The ``lang`` attribute of a page in each language (BCP 47).
HTML_LANG: Final[dict[Lang, str]] = {"zh": "zh-CN", "en": "en"}
#: Babel's locale of each language (dates, numbers).
LOCALES: Final[dict[Lang, Locale]] = {"zh": Locale.parse("zh_Hans_CN"), "en": Locale.parse("en_GB")}
_LANG = web.RequestKey("lang", str)
_CURRENT: ContextVar[Lang] = ContextVar("jjj_lang", default=DEFAULT)


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue; translate it where it is shown, with :func:`gettext`."""
    return message


def catalogue_path(lang: Lang) -> resources.abc.Traversable:
    return resources.files("broker.web") / "locale" / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: Lang) -> NullTranslations:
    """The catalogue of ``lang`` (Chinese is the msgids themselves)."""
    if lang == DEFAULT:
        return NullTranslations()
    with catalogue_path(lang).open("rb") as po:
        catalog = read_po(po, locale=LOCALES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def _parse(value: str | None) -> Lang | None:
    value = (value or "").strip().lower()
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def _from_accept_language(header: str) -> Lang | None:
    preferred: list[tuple[float, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            preferred.append((-quality + index * 1e-6, tag.replace("-", "_")))
    tags = [tag for _, tag in sorted(preferred)]
    found = negotiate_locale(tags, ["zh", "zh_CN", "en", "en_US", "en_GB"], sep="_")
    return _parse(found)


def language(request: web.Request) -> Lang:
    """The language this request's page is shown in (see the module's docstring for the order)."""
    known = request.get(_LANG)
    if known is not None:
        return "en" if known == "en" else "zh"
    lang = (
        _parse(request.query.get("lang"))
        or _parse(request.cookies.get(LANG_COOKIE))
        or _from_accept_language(request.headers.get("Accept-Language", ""))
        or DEFAULT
    )
    request[_LANG] = lang
    return lang


def asked_language(request: web.Request) -> Lang | None:
    """The language named by ``?lang=`` (to keep in the cookie), if any."""
    return _parse(request.query.get("lang"))


def current() -> Lang:
    """The language of the page being rendered now."""
    return _CURRENT.get()


@contextlib.contextmanager
def rendering(lang: Lang) -> Iterator[None]:
    """The jinja callables and :func:`gettext` without a request answer in ``lang`` while this block runs."""
    token = _CURRENT.set(lang)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def gettext(message: str, lang: Lang | None = None, **values: object) -> str:
    """``message`` translated into ``lang`` (default: the page being rendered), ``%(name)s`` filled."""
    text = translations(lang or current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, lang: Lang | None = None, **values: object) -> str:
    text = translations(lang or current()).ngettext(singular, plural, n)
    return text % ({"num": n} | values)


# The jinja2 i18n extension's callables (new-style: it escapes and formats itself).
def jinja_gettext(message: str) -> str:
    return translations(current()).gettext(message)


def jinja_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request's language for everything its handler translates (a context variable of the request's task)."""
    token = _CURRENT.set(language(request))
    try:
        return await handler(request)
    finally:
        _CURRENT.reset(token)
