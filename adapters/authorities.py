"""Public authorities (行政机关) per region, named after the real kinds of bureau that decide in each domain.

Used by the seed generator. Names follow each region's structure: Beijing and Tianjin have municipal bureaus
and district bureaus (北京市朝阳区生态环境局), Hebei has provincial departments (河北省应急管理厅) and city bureaus
(石家庄市应急管理局); vertically managed agencies keep their own naming (国家税务总局天津市税务局, 石家庄海关).

Every authority has a valid USCC whose first two characters are ``11`` (registration authority 1 = 机构编制,
kind 1 = 机关) followed by its division code. The organisation-code part is derived from a hash of the name,
so an authority's USCC is the same in every seed and every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from stdnum.cn import uscc

from merge.domains import DEFAULT_COVERAGE
from merge.regions import Region


@dataclass(frozen=True, slots=True)
class Authority:
    name: str
    uscc: str
    domain: str
    division: str  # GB/T 2260 code of the authority's level: the region, a district or a city
    #: Start of its decision numbers, e.g. 京朝环 → 京朝环罚〔2025〕12号.
    doc_prefix: str


@dataclass(frozen=True, slots=True)
class _Bureau:
    top: str  # template for the municipal (Beijing, Tianjin) level; {p} place, {s} short place name
    local: str | None  # template for districts / cities; None: no local office
    abbr: str
    hebei_top: str | None = None  # provincial departments are often 厅 where a municipality has 局


_BUREAUS: dict[str, _Bureau] = {
    "civil_air_defense": _Bureau("{p}人民防空办公室", "{p}人民防空办公室", "人防"),
    "development_reform": _Bureau("{p}发展和改革委员会", "{p}发展和改革委员会", "发改"),
    "education": _Bureau("{p}教育委员会", "{p}教育局", "教", "{p}教育厅"),
    "science_technology": _Bureau("{p}科学技术局", "{p}科学技术局", "科", "{p}科学技术厅"),
    "industry_it": _Bureau("{p}经济和信息化局", "{p}工业和信息化局", "工信", "{p}工业和信息化厅"),
    "public_security": _Bureau("{p}公安局", "{p}公安局", "公", "{p}公安厅"),
    "civil_affairs": _Bureau("{p}民政局", "{p}民政局", "民", "{p}民政厅"),
    "justice": _Bureau("{p}司法局", "{p}司法局", "司", "{p}司法厅"),
    "finance": _Bureau("{p}财政局", "{p}财政局", "财", "{p}财政厅"),
    "human_resources": _Bureau("{p}人力资源和社会保障局", "{p}人力资源和社会保障局", "人社", "{p}人力资源和社会保障厅"),
    "natural_resources": _Bureau("{p}规划和自然资源局", "{p}自然资源和规划局", "规自", "{p}自然资源厅"),
    "ecology_environment": _Bureau("{p}生态环境局", "{p}生态环境局", "环", "{p}生态环境厅"),
    "housing_construction": _Bureau("{p}住房和城乡建设委员会", "{p}住房和城乡建设局", "建", "{p}住房和城乡建设厅"),
    "transport": _Bureau("{p}交通运输委员会", "{p}交通运输局", "交", "{p}交通运输厅"),
    "water": _Bureau("{p}水务局", "{p}水务局", "水", "{p}水利厅"),
    "agriculture": _Bureau("{p}农业农村局", "{p}农业农村局", "农", "{p}农业农村厅"),
    "commerce": _Bureau("{p}商务局", "{p}商务局", "商", "{p}商务厅"),
    "culture_tourism": _Bureau("{p}文化和旅游局", "{p}文化和旅游局", "文旅", "{p}文化和旅游厅"),
    "health": _Bureau("{p}卫生健康委员会", "{p}卫生健康委员会", "卫"),
    "emergency_management": _Bureau("{p}应急管理局", "{p}应急管理局", "应急", "{p}应急管理厅"),
    "market_regulation": _Bureau("{p}市场监督管理局", "{p}市场监督管理局", "市监"),
    "statistics": _Bureau("{p}统计局", "{p}统计局", "统"),
    "urban_management": _Bureau("{p}城市管理委员会", "{p}城市管理综合行政执法局", "城管"),
    "forestry": _Bureau("{p}园林绿化局", "{p}园林绿化局", "林", "{p}林业和草原局"),
    "fire_rescue": _Bureau("{p}消防救援总队", "{p}消防救援支队", "消"),
    "housing_fund": _Bureau("{s}住房公积金管理中心", None, "公积金"),
    "tobacco": _Bureau("{p}烟草专卖局", "{p}烟草专卖局", "烟"),
    "taxation": _Bureau("国家税务总局{p}税务局", "国家税务总局{p}税务局", "税"),
    "customs": _Bureau("{s}海关", None, "关"),
    "communications": _Bureau("{p}通信管理局", None, "通信"),
    "medical_security": _Bureau("{p}医疗保障局", "{p}医疗保障局", "医保"),
    "drug_administration": _Bureau("{p}药品监督管理局", None, "药监"),
    "intellectual_property": _Bureau("{p}知识产权局", "{p}知识产权局", "知"),
    "radio_television": _Bureau("{p}广播电视局", None, "广电"),
    "sports": _Bureau("{p}体育局", "{p}体育局", "体"),
    "audit": _Bureau("{p}审计局", "{p}审计局", "审", "{p}审计厅"),
    "veterans_affairs": _Bureau("{p}退役军人事务局", "{p}退役军人事务局", "退役", "{p}退役军人事务厅"),
    "cyberspace": _Bureau("{p}互联网信息办公室", "{p}互联网信息办公室", "网信"),
    "financial_regulation": _Bureau("国家金融监督管理总局{s}监管局", None, "金监"),
    "meteorology": _Bureau("{p}气象局", "{p}气象局", "气"),
    "press_publication": _Bureau("{p}新闻出版局", None, "新出"),
    "grain_reserves": _Bureau("{p}粮食和物资储备局", "{p}粮食和物资储备局", "粮"),
    "earthquake": _Bureau("{p}地震局", None, "震"),
    "postal": _Bureau("{p}邮政管理局", None, "邮"),
    "ethnic_religious": _Bureau("{p}民族宗教事务委员会", "{p}民族宗教事务局", "民宗"),
}


@dataclass(frozen=True, slots=True)
class _Place:
    name: str  # 北京市朝阳区
    short: str  # 北京 (for 北京海关)
    division: str
    abbr: str  # in decision numbers: 京朝


#: Top level and the districts / cities whose bureaus the seed uses, per region.
PLACES: dict[Region, tuple[_Place, ...]] = {
    Region.BEIJING: (
        _Place("北京市", "北京", "110000", "京"),
        _Place("北京市东城区", "北京", "110101", "京东"),
        _Place("北京市西城区", "北京", "110102", "京西"),
        _Place("北京市朝阳区", "北京", "110105", "京朝"),
        _Place("北京市海淀区", "北京", "110108", "京海"),
        _Place("北京市丰台区", "北京", "110106", "京丰"),
        _Place("北京市通州区", "北京", "110112", "京通"),
        _Place("北京市大兴区", "北京", "110115", "京兴"),
    ),
    Region.TIANJIN: (
        _Place("天津市", "天津", "120000", "津"),
        _Place("天津市和平区", "天津", "120101", "津和"),
        _Place("天津市河西区", "天津", "120103", "津西"),
        _Place("天津市南开区", "天津", "120104", "津南开"),
        _Place("天津市西青区", "天津", "120111", "津青"),
        _Place("天津市武清区", "天津", "120114", "津武"),
        _Place("天津市滨海新区", "天津", "120116", "津滨"),
    ),
    Region.HEBEI: (
        _Place("河北省", "石家庄", "130000", "冀"),
        _Place("石家庄市", "石家庄", "130100", "石"),
        _Place("唐山市", "唐山", "130200", "唐"),
        _Place("邯郸市", "邯郸", "130400", "邯"),
        _Place("保定市", "保定", "130600", "保"),
        _Place("沧州市", "沧州", "130900", "沧"),
        _Place("廊坊市", "廊坊", "131000", "廊"),
    ),
}

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def authority_uscc(name: str, division: str) -> str:
    """A stable, valid ``11…`` USCC for the authority called ``name`` at ``division``."""
    digest = hashlib.sha256(name.encode()).digest()
    org = "".join(_ORG_ALPHABET[b % len(_ORG_ALPHABET)] for b in digest[:9])
    body = f"11{division}{org}"
    return body + str(uscc.calc_check_digit(body))


@cache
def authorities(region: Region) -> tuple[Authority, ...]:
    """Every authority of ``region`` in the domains it covers: the top-level bureau first, then local ones."""
    top, *local = PLACES[region]
    found: list[Authority] = []
    for domain in DEFAULT_COVERAGE[region]:
        bureau = _BUREAUS[domain]
        template = (bureau.hebei_top if region is Region.HEBEI else None) or bureau.top
        levels = [(top, template)] + [(place, bureau.local) for place in local if bureau.local is not None]
        for place, name_template in levels:
            assert name_template is not None
            name = name_template.format(p=place.name, s=place.short)
            found.append(
                Authority(name, authority_uscc(name, place.division), domain, place.division, place.abbr + bureau.abbr)
            )
    return tuple(found)


@cache
def authorities_by_domain(region: Region) -> dict[str, tuple[Authority, ...]]:
    by_domain: dict[str, list[Authority]] = {}
    for authority in authorities(region):
        by_domain.setdefault(authority.domain, []).append(authority)
    return {domain: tuple(found) for domain, found in by_domain.items()}
