"""The shared catalogue of credit domains (领域) and which region covers which.

One catalogue for all three regions so that a domain means the same thing in every report. Each region declares
its own subset: Beijing covers all 45, Tianjin 40 (its implementation plan's count), Hebei fewer. A domain a
region does not cover is reported as "not covered by this region", never as "no record".
"""

from __future__ import annotations

from dataclasses import dataclass

from merge.regions import Region


@dataclass(frozen=True, slots=True)
class Domain:
    code: str
    name: str


# Order is the display order of the report matrix.
DOMAINS: tuple[Domain, ...] = (
    Domain("civil_air_defense", "人防"),
    Domain("development_reform", "发展改革"),
    Domain("education", "教育"),
    Domain("science_technology", "科技"),
    Domain("industry_it", "工业和信息化"),
    Domain("public_security", "公安"),
    Domain("civil_affairs", "民政"),
    Domain("justice", "司法行政"),
    Domain("finance", "财政"),
    Domain("human_resources", "人力资源和社会保障"),
    Domain("natural_resources", "自然资源"),
    Domain("ecology_environment", "生态环境"),
    Domain("housing_construction", "住房城乡建设"),
    Domain("transport", "交通运输"),
    Domain("water", "水务"),
    Domain("agriculture", "农业农村"),
    Domain("commerce", "商务"),
    Domain("culture_tourism", "文化旅游"),
    Domain("health", "卫生健康"),
    Domain("emergency_management", "应急管理"),
    Domain("market_regulation", "市场监管"),
    Domain("statistics", "统计"),
    Domain("urban_management", "城市管理"),
    Domain("forestry", "林业"),
    Domain("fire_rescue", "消防救援"),
    Domain("housing_fund", "住房公积金"),
    Domain("tobacco", "烟草专卖"),
    Domain("taxation", "税务"),
    Domain("customs", "海关"),
    Domain("communications", "通信"),
    Domain("medical_security", "医疗保障"),
    Domain("drug_administration", "药品监管"),
    Domain("intellectual_property", "知识产权"),
    Domain("radio_television", "广播电视"),
    Domain("sports", "体育"),
    Domain("audit", "审计"),
    Domain("veterans_affairs", "退役军人事务"),
    Domain("cyberspace", "网信"),
    Domain("financial_regulation", "金融监管"),
    Domain("meteorology", "气象"),
    Domain("press_publication", "新闻出版"),
    Domain("grain_reserves", "粮食和物资储备"),
    Domain("earthquake", "地震"),
    Domain("postal", "邮政"),
    Domain("ethnic_religious", "民族宗教"),
)

DOMAIN_BY_CODE: dict[str, Domain] = {d.code: d for d in DOMAINS}
DOMAIN_BY_NAME: dict[str, Domain] = {d.name: d for d in DOMAINS}

_ALL = tuple(d.code for d in DOMAINS)

#: Default coverage per region; a node may be configured otherwise, and always declares its own in Describe.
DEFAULT_COVERAGE: dict[Region, tuple[str, ...]] = {
    Region.BEIJING: _ALL,
    Region.TIANJIN: _ALL[:40],
    Region.HEBEI: _ALL[:32],
}


def domain_name(code: str) -> str:
    """The display name of a domain code; unknown codes are shown as themselves rather than dropped."""
    domain = DOMAIN_BY_CODE.get(code)
    return domain.name if domain else code
