"""Report editions (版本) and query purposes (用途).

The editions are data files (:mod:`merge.edition_files`); what each shows is applied by the nodes at the source
with :mod:`merge.edition_rules`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from merge.edition_files import EditionSpec, catalogue


class _EditionType(type):
    """Iterating ``Edition`` gives every edition this process knows, defaults first (as the StrEnum did)."""

    def __iter__(cls) -> Iterator[Edition]:
        return iter([Edition(name) for name in catalogue()])


class Edition(str, metaclass=_EditionType):
    """An edition's name, one of this process's editions (:func:`merge.edition_files.catalogue`).

    Editions are data (``merge/editions/*.toml`` plus an operator's ``JJJ_EDITIONS_DIR``), so this is an interned
    ``str`` rather than an enum: ``Edition("listing") is Edition.LISTING``, an unknown name is ValueError, and it
    validates in pydantic and msgspec models as its name.
    """

    __slots__ = ()
    STANDARD: ClassVar[Edition]  # 普通版 / 专用版
    ADMINISTRATIVE: ClassVar[Edition]  # 行政管理版
    LISTING: ClassVar[Edition]  # 上市专版
    PERSON: ClassVar[Edition]  # 自然人版
    FINANCIAL: ClassVar[Edition]  # 金融专用版

    def __new__(cls, name: str) -> Edition:
        # Interned, but always checked against the catalogue in force (a test or a restart may change it).
        if not isinstance(name, str) or name not in catalogue():
            raise ValueError(f"unknown edition {name!r}; expected one of {sorted(catalogue())}")
        return _INTERNED.setdefault(name, str.__new__(cls, name))

    def __repr__(self) -> str:
        return f"Edition({str(self)!r})"

    @property
    def value(self) -> str:
        return str(self)

    @property
    def spec(self) -> EditionSpec:
        return catalogue()[self]

    @property
    def display_name(self) -> str:
        return self.spec.display_name

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def digest(self) -> str:
        return self.spec.digest

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


_INTERNED: dict[str, Edition] = {}


def _builtin(name: str) -> Edition:
    # The shipped editions, interned without loading files: the catalogue is read on first real use.
    return _INTERNED.setdefault(name, str.__new__(Edition, name))


Edition.STANDARD = _builtin("standard")
Edition.ADMINISTRATIVE = _builtin("administrative")
Edition.LISTING = _builtin("listing")
Edition.PERSON = _builtin("person")
Edition.FINANCIAL = _builtin("financial")


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
