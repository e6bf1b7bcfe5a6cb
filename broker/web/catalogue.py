"""The portal's message catalogue: what there is to translate, and keeping the English catalogue up to date.

Messages are extracted with Babel from the portal's templates (``_()``, ``ngettext``, ``{% trans %}``) and from
the broker's code (``N_()``, ``gettext()``, ``ngettext()``), plus the domain's own Chinese labels
(:func:`broker.web.labels.data_messages`: editions, purposes, regions, domains, categories).

``python -m broker.web.catalogue update`` merges new msgids into ``broker/web/locale/en/LC_MESSAGES/messages.po``
(existing translations kept, obsolete ones dropped); ``python -m broker.web.catalogue check`` lists every msgid the
English catalogue does not translate (exit 1 if any). The test suite runs the same check.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from broker.web.labels import data_messages

_ROOT = Path(__file__).resolve().parents[1]  # broker/
_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
_METHODS = [("web/templates/**.j2", "jinja2"), ("**.py", "python")]
_OPTIONS = {"web/templates/**.j2": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
EN_CATALOGUE = _ROOT / "web" / "locale" / "en" / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every msgid of the portal, with where it occurs."""
    catalog = Catalog(locale="zh_Hans_CN", project="jjj", fuzzy=False)
    found = extract_from_dir(
        str(_ROOT), method_map=_METHODS, options_map=_OPTIONS, keywords=_KEYWORDS, comment_tags=("TRANSLATORS:",)
    )
    for filename, lineno, message, _comments, context in found:
        if "/pdf/templates/" in filename:
            continue
        catalog.add(message, locations=[(f"broker/{filename}", lineno)], context=context)
    for message in data_messages():
        if message not in catalog:
            catalog.add(message, locations=[("merge (data)", 0)])
    return catalog


def read_english() -> Catalog:
    with EN_CATALOGUE.open("rb") as po:
        return read_po(po, locale="en")


def untranslated() -> list[str]:
    """The msgids the English catalogue leaves untranslated (or does not have)."""
    english = read_english()
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = english.get(message.id, context=message.context)
        if found is None or not found.string or (isinstance(found.string, tuple) and not all(found.string)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    template = extract()
    english = read_english() if EN_CATALOGUE.exists() else Catalog(locale="en")
    english.update(template, no_fuzzy_matching=True)
    english.obsolete.clear()
    EN_CATALOGUE.parent.mkdir(parents=True, exist_ok=True)
    with EN_CATALOGUE.open("wb") as po:
        write_po(po, english, width=120, sort_output=False, include_previous=False)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        missing = untranslated()
        for message in missing:
            print(f"untranslated: {message}")
        return 1 if missing else 0
    print("usage: python -m broker.web.catalogue update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
