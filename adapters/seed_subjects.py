"""Synthetic subjects for the seed: enterprises with valid USCCs, natural persons with valid resident IDs.

Each subject is drawn from its own ``random.Random`` so it is the same whatever else is generated; nothing
reads the wall clock or the global random state. Identifiers use each region's real division codes and their
check characters come from python-stdnum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stdnum.cn import ric, uscc

from merge.identifiers import SubjectKind
from merge.records import SubjectCategory
from merge.regions import Region

#: County-level division codes used for subjects' registrations, per region.
DIVISIONS: dict[Region, tuple[str, ...]] = {
    Region.BEIJING: tuple(f"1101{n:02d}" for n in (1, 2, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19)),
    Region.TIANJIN: tuple(f"1201{n:02d}" for n in range(1, 20) if n not in (7, 8, 9)),
    Region.HEBEI: (
        "130102", "130104", "130105", "130108", "130109", "130110", "130111", "130121", "130123", "130181",
        "130183", "130202", "130203", "130204", "130205", "130207", "130208", "130281", "130283", "130302",
        "130303", "130304", "130402", "130403", "130404", "130406", "130502", "130503", "130602", "130606",
        "130607", "130608", "130609", "130702", "130703", "130802", "130902", "130903", "131002", "131003",
        "131022", "131082", "131102",
    ),
}  # fmt: skip

_PLACE_WORD = {Region.BEIJING: "北京", Region.TIANJIN: "天津", Region.HEBEI: "河北"}
_TRADE = [
    "华信",
    "鑫源",
    "恒通",
    "宏达",
    "盛世",
    "瑞丰",
    "金泰",
    "博远",
    "启航",
    "中诚",
    "海川",
    "联创",
    "天成",
    "永安",
    "嘉禾",
    "星辰",
    "汇智",
    "德润",
    "安泰",
    "富华",
    "京远",
    "津港",
    "燕赵",
    "长城",
]
_INDUSTRY = [
    "科技",
    "商贸",
    "建筑工程",
    "物流",
    "餐饮管理",
    "环保科技",
    "化工",
    "机械制造",
    "房地产开发",
    "医药",
    "食品",
    "电子",
    "文化传媒",
    "建材",
    "运输",
]
_SHOP = ["便利店", "家常菜馆", "五金店", "汽车维修部", "水果店", "理发店", "建材经营部"]
_SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "郑",
]
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
]
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True, slots=True)
class SeedSubject:
    kind: SubjectKind
    identifier: str  # USCC or resident ID
    name: str
    category: SubjectCategory
    legal_representative: str  # empty for natural persons
    home: Region


def person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def make_uscc(rng: random.Random, division: str, *, individual: bool = False) -> str:
    """A valid USCC registered by 市场监管 (9), kind 1 (enterprise) or 2 (个体工商户), at ``division``."""
    org = "".join(rng.choice(_ORG_ALPHABET) for _ in range(9))
    body = f"9{2 if individual else 1}{division}{org}"
    return body + str(uscc.calc_check_digit(body))


def make_resident_id(rng: random.Random, region: Region) -> str:
    """A valid resident ID born 1960–2003 in ``region`` (python-stdnum checks the division existed then)."""
    while True:
        division = rng.choice(DIVISIONS[region])
        year, month, day = rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28)
        body = f"{division}{year}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
        candidate = body + str(ric.calc_check_digit(body + "0"))  # stdnum ignores the last character given
        if ric.is_valid(candidate):
            return candidate


def make_subject(
    rng: random.Random, region: Region, kind: SubjectKind, *, allow_individual: bool = True
) -> SeedSubject:
    """A subject registered in ``region``; enterprises are 个体工商户 (USCC 92…) 15% of the time if allowed."""
    if kind is SubjectKind.PERSON:
        name = person_name(rng)
        return SeedSubject(kind, make_resident_id(rng, region), name, SubjectCategory.NATURAL_PERSON, "", region)
    division = rng.choice(DIVISIONS[region])
    if allow_individual and rng.random() < 0.15:
        name = f"{_PLACE_WORD[region]}{rng.choice(_TRADE)}{rng.choice(_SHOP)}"
        owner = person_name(rng)
        return SeedSubject(
            kind, make_uscc(rng, division, individual=True), name, SubjectCategory.INDIVIDUAL_BUSINESS, owner, region
        )
    suffix = rng.choice(("有限公司", "有限公司", "有限责任公司", "股份有限公司"))
    name = f"{_PLACE_WORD[region]}{rng.choice(_TRADE)}{rng.choice(_INDUSTRY)}{suffix}"
    return SeedSubject(kind, make_uscc(rng, division), name, SubjectCategory.LEGAL_PERSON, person_name(rng), region)
