"""What a subject of each kind may ask for: editions and purposes, with their labels and what each edition shows.

The purposes follow the scenarios of the Tianjin and Dongguan plans: listing, financing, bidding, awards, funding
and project support are an enterprise's; going abroad to work or study (the Tianjin plan's doctors) a person's;
qualification reviews, awards and administrative use are both kinds'.
"""

from __future__ import annotations

from dataclasses import dataclass

from broker.web import labels
from broker.web.i18n import N_, gettext
from merge.edition_rules import RULES
from merge.editions import PURPOSE_BY_CODE, Edition
from merge.identifiers import SubjectKind

PURPOSES_BY_KIND: dict[SubjectKind, tuple[str, ...]] = {
    SubjectKind.ENTERPRISE: (
        "bidding", "financing", "listing", "award", "funding", "project_support", "qualification_review",
        "administration",
    ),
    SubjectKind.PERSON: ("going_abroad", "qualification_review", "award", "administration"),
}  # fmt: skip

_DESCRIPTION = {
    Edition.STANDARD: N_(
        "不列示警告、通报批评等轻微处罚，以及已信用修复、已过公示期的记录和已移出的名单；可选近 3 年或近 5 年。"
    ),
    Edition.ADMINISTRATIVE: N_("供行政管理使用：列示全部记录，轻微处罚和已修复记录加以标注。"),
    Edition.LISTING: N_("供上市融资、再融资、并购重组使用：列示近 36 个月的全部记录，并逐领域逐地区说明情况。"),
    Edition.PERSON: N_("自然人的报告，规则同普通版；用于出国（境）工作学习时，PDF 以中英文对照出具。"),
    Edition.FINANCIAL: N_("供上市、再融资、并购重组使用，仅限列入金融专用版名单的经营主体：列示近 36 个月的全部记录。"),
}
_WHO = {
    SubjectKind.ENTERPRISE: N_("适用于：经营主体"),
    SubjectKind.PERSON: N_("适用于：自然人"),
}


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    name: str


def editions_for(kind: SubjectKind) -> list[Choice]:
    return [Choice(e.value, labels.edition(e.value)) for e in Edition if kind in RULES[e].subject_kinds]


def purposes_for(kind: SubjectKind) -> list[Choice]:
    return [Choice(code, gettext(PURPOSE_BY_CODE[code].name)) for code in PURPOSES_BY_KIND[kind]]


def edition_cards() -> list[dict[str, str]]:
    """The editions as the home page explains them."""
    cards = []
    for edition in Edition:
        kinds = RULES[edition].subject_kinds
        who = gettext(_WHO[next(iter(kinds))]) if len(kinds) == 1 else gettext(N_("适用于：经营主体和自然人"))
        cards.append(
            {
                "code": edition.value,
                "name": labels.edition(edition.value),
                "description": gettext(_DESCRIPTION[edition]) if edition in _DESCRIPTION else edition.display_name,
                "who": who,
            }
        )
    return cards


def purpose_list() -> list[dict[str, object]]:
    enterprise, person = PURPOSES_BY_KIND[SubjectKind.ENTERPRISE], PURPOSES_BY_KIND[SubjectKind.PERSON]
    return [
        {
            "name": gettext(PURPOSE_BY_CODE[code].name),
            "person_only": code not in enterprise,
            "enterprise_only": code not in person,
        }
        for code in dict.fromkeys((*enterprise, *person))
    ]
