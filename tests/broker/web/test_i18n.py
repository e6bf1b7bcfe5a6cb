"""Chinese first, English complete: the catalogue translates every msgid, and each page is in the language asked."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from broker.web import catalogue
from broker.web.formats import moment
from broker.web.i18n import gettext, ngettext

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]
_LANG = re.compile(r'<html lang="([^"]+)">')


def test_the_english_catalogue_translates_every_msgid_of_templates_code_and_data() -> None:
    extracted = [m.id for m in catalogue.extract() if m.id]
    assert len(extracted) > 300  # templates, code and the domain's own labels were all read
    assert "北京市" in extracted  # a region name, from merge (data)
    assert "授权与查询记录" in extracted  # from a template
    assert "账号或密码不正确" in extracted  # from code (N_)
    assert catalogue.untranslated() == []


def test_a_msgid_missing_from_the_catalogue_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    real = catalogue.extract

    def with_one_more() -> object:
        found = real()
        found.add("一条新的文字")
        return found

    monkeypatch.setattr(catalogue, "extract", with_one_more)
    assert catalogue.untranslated() == ["一条新的文字"]


def test_placeholders_survive_translation() -> None:
    assert gettext("近 %(years)d 年", "en", years=5) == "last 5 years"
    assert ngettext("%(num)d 条", "%(num)d 条", 1, "en") == "1 record"
    assert ngettext("%(num)d 条", "%(num)d 条", 3, "en") == "3 records"
    assert gettext("近 %(years)d 年", "zh", years=5) == "近 5 年"


def test_times_are_shown_in_beijing_time() -> None:
    assert moment("2026-12-02T02:07:48+00:00", "zh") == "2026年12月2日 10:07（北京时间）"
    assert moment("2026-12-02T02:07:48+00:00", "en") == "2 Dec 2026, 10:07 (Beijing time)"


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({}, "", "zh-CN"),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", "en"),
        ({"Accept-Language": "fr-FR,en;q=0.5,zh;q=0.8"}, "", "zh-CN"),
        ({"Accept-Language": "en"}, "?lang=zh", "zh-CN"),
        ({}, "?lang=en", "en"),
        ({"Cookie": "jjj_lang=en"}, "", "en"),
        ({"Cookie": "jjj_lang=en"}, "?lang=zh", "zh-CN"),
    ],
)
async def test_the_language_comes_from_the_query_the_cookie_or_accept_language(
    broker_factory: Factory, headers: dict[str, str], query: str, expected: str
) -> None:
    client = await broker_factory()
    response = await client.get(f"/{query}", headers=headers)
    assert response.status == 200
    match = _LANG.search(await response.text())
    assert match is not None
    assert match.group(1) == expected
    assert response.headers["Content-Language"] == expected


async def test_a_chosen_language_is_kept_for_the_next_pages(broker_factory: Factory) -> None:
    client = await broker_factory()
    first = await client.get("/verify?lang=en")
    assert "jjj_lang=en" in first.headers.get("Set-Cookie", "")
    page = await (await client.get("/signin")).text()
    assert '<html lang="en">' in page
    assert "Sign in" in page
    assert "登录：" not in page


async def test_english_pages_carry_no_untranslated_chinese_labels(broker_factory: Factory) -> None:
    client = await broker_factory()
    for path in ("/", "/signin", "/verify"):
        text = await (await client.get(path, headers={"Accept-Language": "en"})).text()
        body = re.sub(r"<[^>]+>", " ", text.split("<main", 1)[1])
        # Only the language switch's own name and quoted Chinese terms (专用信用报告) may remain.
        leftovers = {w for w in re.findall(r"[\u4e00-\u9fff]+", body) if w not in {"中文", "专用信用报告"}}
        assert leftovers == set(), (path, leftovers)
