"""The three regions of 京津冀 and their GB/T 2260 division codes."""

from __future__ import annotations

from enum import StrEnum


class Region(StrEnum):
    """A region, by its short slug (used on the command line and in configuration)."""

    BEIJING = "beijing"
    TIANJIN = "tianjin"
    HEBEI = "hebei"

    @property
    def code(self) -> str:
        return _CODES[self]

    @property
    def display_name(self) -> str:
        return _NAMES[self]

    @classmethod
    def from_code(cls, code: str) -> Region:
        for region, region_code in _CODES.items():
            if region_code == code:
                return region
        raise ValueError(f"unknown region code {code!r}")

    @classmethod
    def parse(cls, value: str) -> Region:
        """Accept a slug (``tianjin``) or a division code (``120000``)."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            return cls.from_code(value.strip())


_CODES = {Region.BEIJING: "110000", Region.TIANJIN: "120000", Region.HEBEI: "130000"}
_NAMES = {Region.BEIJING: "北京市", Region.TIANJIN: "天津市", Region.HEBEI: "河北省"}

#: Report order: the order regions appear in every report, matrix column and PDF.
REGION_ORDER: tuple[Region, ...] = (Region.BEIJING, Region.TIANJIN, Region.HEBEI)
