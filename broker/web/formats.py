"""Dates and times as the portal prints them: in Beijing time, in the page's language, never raw ISO 8601."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

from broker.clock import CST
from broker.web.i18n import LOCALES, N_, Lang, current, gettext

_DAY = {"zh": "yyyy年M月d日", "en": "d MMM yyyy"}
_MOMENT = {"zh": "yyyy年M月d日 HH:mm", "en": "d MMM yyyy, HH:mm"}
_EMPTY = "—"


def _lang(lang: Lang | None) -> Lang:
    return lang or current()


def moment(value: datetime | str | None, lang: Lang | None = None) -> str:
    """``2026年12月2日 10:07（北京时间）`` / ``2 Dec 2026, 10:07 (Beijing time)``; "—" when there is none."""
    if value is None or value == "":
        return _EMPTY
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    chosen = _lang(lang)
    text = format_datetime(when.astimezone(CST), _MOMENT[chosen], locale=LOCALES[chosen])
    return gettext(N_("%(time)s（北京时间）"), chosen, time=text)


def day(value: date | str | None, lang: Lang | None = None) -> str:
    if value is None or value == "":
        return _EMPTY
    when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    chosen = _lang(lang)
    return format_date(when, _DAY[chosen], locale=LOCALES[chosen])
