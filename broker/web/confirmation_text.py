"""How a record's department confirmation reads (financial edition), on the page and in the PDF: one sentence per
record, and one line per department seal. ``lang`` picks the language (the PDF is Chinese: ``"zh"``)."""

from __future__ import annotations

from broker.web.formats import day, moment
from broker.web.i18n import N_, Lang, gettext
from merge.confirmations import ANNOTATED, CONFIRMED, EXPIRED, WireConfirmation
from merge.regions import Region
from merge.report_content import DepartmentSeal

_CONFIRMED = N_("%(authority)s 已确认（%(at)s，电子印章 %(key)s）")
_ANNOTATED = N_("%(authority)s 已确认并附说明：%(annotation)s（%(at)s，电子印章 %(key)s）")
_EXPIRED = N_("%(authority)s 未在确认期限（%(due)s）内答复：未经确认")
_PENDING = N_("%(authority)s 尚未确认")
_SEAL = N_("%(region)s · %(authority)s：电子印章 %(key)s，确认 %(count)d 条")


def confirmation_sentence(item: WireConfirmation, lang: Lang | None = None) -> str:
    values: dict[str, object] = {"authority": item.authority_name}
    if item.status in (CONFIRMED, ANNOTATED) and item.seal is not None:
        values |= {"at": moment(item.decided_at, lang), "key": item.seal.key_id, "annotation": item.annotation}
        return gettext(_CONFIRMED if item.status == CONFIRMED else _ANNOTATED, lang, **values)
    if item.status == EXPIRED:
        return gettext(_EXPIRED, lang, due=day(item.due_on, lang), **values)
    return gettext(_PENDING, lang, **values)


def seal_line(seal: DepartmentSeal, lang: Lang | None = None) -> str:
    region = Region.from_code(seal.region_code).display_name
    return gettext(_SEAL, lang, region=region, authority=seal.authority_name, key=seal.key_id, count=seal.decided)
