"""Report editions (版本) and query purposes (用途).

The edition rules themselves (what each edition shows) live in :mod:`merge.edition_rules`, applied by the
nodes at the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Edition(StrEnum):
    STANDARD = "standard"  # 普通版 / 专用版
    ADMINISTRATIVE = "administrative"  # 行政管理版
    LISTING = "listing"  # 上市专版
    PERSON = "person"  # 自然人版

    @property
    def display_name(self) -> str:
        return _EDITION_NAMES[self]


_EDITION_NAMES = {
    Edition.STANDARD: "专用信用报告（普通版）",
    Edition.ADMINISTRATIVE: "专用信用报告（行政管理版）",
    Edition.LISTING: "专用信用报告（上市专版）",
    Edition.PERSON: "专用信用报告（自然人版）",
}


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    name: str


#: Scenarios the Tianjin and Dongguan plans name for the special credit report.
PURPOSES: tuple[Purpose, ...] = (
    Purpose("financing", "融资贷款"),
    Purpose("bidding", "招标投标"),
    Purpose("listing", "上市融资、再融资、并购重组"),
    Purpose("award", "评优评先"),
    Purpose("funding", "财政资金申请"),
    Purpose("project_support", "项目支持"),
    Purpose("qualification_review", "资质审核"),
    Purpose("going_abroad", "出国（境）工作学习"),
    Purpose("administration", "行政管理"),
)

PURPOSE_BY_CODE: dict[str, Purpose] = {p.code: p for p in PURPOSES}

#: Query windows the policies allow, in years.
WINDOW_YEARS: frozenset[int] = frozenset({3, 5})


def validate_purpose(code: str) -> str:
    """The purpose code, or ValueError listing the known ones (shared by report requests and consent grants)."""
    if code not in PURPOSE_BY_CODE:
        raise ValueError(f"unknown purpose; expected one of {sorted(PURPOSE_BY_CODE)}")
    return code


def validate_window_years(years: int) -> int:
    if years not in WINDOW_YEARS:
        raise ValueError(f"must be one of {sorted(WINDOW_YEARS)}")
    return years
