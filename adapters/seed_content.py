"""What the seed's records say: violations and their legal basis per domain, list names, coercive measures.

Plain data plus small pickers that take an explicit ``random.Random``; the texts follow the wording of real
published decisions so that reports read like the real thing.
"""

from __future__ import annotations

import random

from merge.domains import domain_name
from merge.records import PenaltyCategory

# domain → ((违法行为类型, 处罚依据), …)
_VIOLATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "market_regulation": (
        ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
        ("发布虚假广告", "《中华人民共和国广告法》第五十五条"),
        ("未按规定公示年度报告", "《企业信息公示暂行条例》第十八条"),
        ("生产销售不合格产品", "《中华人民共和国产品质量法》第四十九条"),
    ),
    "ecology_environment": (
        ("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条"),
        ("未批先建", "《中华人民共和国环境影响评价法》第三十一条"),
        ("未按规定贮存危险废物", "《中华人民共和国固体废物污染环境防治法》第一百一十二条"),
    ),
    "emergency_management": (
        ("未按规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
        ("安全设备未经常性维护、保养", "《中华人民共和国安全生产法》第九十九条"),
    ),
    "taxation": (
        ("未按照规定期限办理纳税申报", "《中华人民共和国税收征收管理法》第六十二条"),
        ("虚开增值税普通发票", "《中华人民共和国发票管理办法》第三十五条"),
    ),
    "housing_construction": (
        ("未取得施工许可证擅自施工", "《建设工程质量管理条例》第五十七条"),
        ("施工现场扬尘防治措施不到位", "《中华人民共和国大气污染防治法》第一百一十五条"),
    ),
    "transport": (
        ("车辆超限运输", "《公路安全保护条例》第六十四条"),
        ("未取得道路运输经营许可擅自经营", "《中华人民共和国道路运输条例》第六十三条"),
    ),
    "fire_rescue": (("消防设施、器材未保持完好有效", "《中华人民共和国消防法》第六十条"),),
    "health": (("未取得医疗机构执业许可证擅自执业", "《医疗机构管理条例》第四十三条"),),
    "human_resources": (("拖欠劳动者劳动报酬", "《保障农民工工资支付条例》第五十七条"),),
    "urban_management": (("未经许可占道经营", "《城市市容和环境卫生管理条例》第三十六条"),),
    "public_security": (("扰乱单位秩序", "《中华人民共和国治安管理处罚法》第二十三条"),),
    "culture_tourism": (("未经许可经营旅行社业务", "《中华人民共和国旅游法》第九十五条"),),
}

#: Domains in which enterprises / persons are most often penalised, weighted (the rest share a low weight).
ENTERPRISE_DOMAINS = {
    "market_regulation": 30, "ecology_environment": 12, "emergency_management": 10, "taxation": 10,
    "housing_construction": 8, "transport": 6, "fire_rescue": 6, "health": 4, "human_resources": 4,
    "urban_management": 4,
}  # fmt: skip
PERSON_DOMAINS = {
    "public_security": 10,
    "transport": 6,
    "urban_management": 6,
    "market_regulation": 4,
    "culture_tourism": 2,
}

ENTERPRISE_CATEGORIES = tuple(c for c in PenaltyCategory if c is not PenaltyCategory.DETENTION)
PERSON_CATEGORIES = (
    PenaltyCategory.WARNING,
    PenaltyCategory.FINE,
    PenaltyCategory.CONFISCATE_ILLEGAL_GAINS,
    PenaltyCategory.DETENTION,
    PenaltyCategory.RESTRICT_PRACTICE,
    PenaltyCategory.CIRCULATED_CRITICISM,
)
#: Categories that come with a licence reference (暂扣或吊销证照名称及编号).
LICENSE_CATEGORIES = frozenset({PenaltyCategory.SUSPEND_LICENSE, PenaltyCategory.REVOKE_LICENSE})
#: Categories that last for a period (处罚有效期).
LASTING_CATEGORIES = LICENSE_CATEGORIES | {
    PenaltyCategory.RESTRICT_BUSINESS,
    PenaltyCategory.ORDER_SUSPENSION,
    PenaltyCategory.RESTRICT_PRACTICE,
    PenaltyCategory.DETENTION,
}

LISTS: dict[str, str] = {
    "market_regulation": "市场监督管理严重违法失信名单",
    "taxation": "重大税收违法失信主体名单",
    "human_resources": "拖欠农民工工资失信联合惩戒对象名单",
    "emergency_management": "安全生产严重失信主体名单",
    "transport": "交通运输领域严重失信主体名单",
}

MEASURES: dict[str, tuple[str, ...]] = {
    "market_regulation": ("查封场所、设施或者财物", "扣押财物"),
    "taxation": ("冻结存款、汇款", "扣押、查封商品、货物或者其他财产"),
    "ecology_environment": ("查封、扣押造成污染物排放的设施、设备",),
    "emergency_management": ("查封违法生产经营场所",),
}

_LICENSES = ("食品经营许可证", "安全生产许可证", "道路运输经营许可证", "排污许可证", "建筑业企业资质证书")


def violation(rng: random.Random, domain: str) -> tuple[str, str]:
    """(违法行为类型, 处罚依据) for ``domain``; a generic one where the table has none."""
    options = _VIOLATIONS.get(domain)
    if options:
        return rng.choice(options)
    name = domain_name(domain)
    return f"违反{name}管理规定", f"{name}领域相关法律法规"


def facts(rng: random.Random, violation_type: str) -> str:
    place = rng.choice(("经营场所", "生产车间", "施工现场", "仓库", "门店"))
    return f"经查，当事人在其{place}存在{violation_type}的行为，有现场检查笔录、询问笔录等证据证实。"


def license_ref(rng: random.Random) -> str:
    return f"{rng.choice(_LICENSES)}（编号：{rng.randint(10**10, 10**11 - 1)}）"


def pick_weighted(rng: random.Random, weights: dict[str, int], allowed: tuple[str, ...]) -> str:
    """A domain from ``allowed``: the weighted common ones, or any other allowed one with weight 1."""
    choices = [(d, weights.get(d, 1)) for d in allowed]
    return rng.choices([d for d, _ in choices], weights=[w for _, w in choices])[0]
