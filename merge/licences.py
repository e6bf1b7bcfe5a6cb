"""A report's licences (行政许可): listed in their own section, never merged with, counted as or stated as violations.

Each answered region's licences, in report order of regions, newest decision first (then record id), as references
to the region's signed part (the content stays there, like the records'). A licence reported by two regions is
listed under each: it is not a finding against the subject, so nothing is gained by merging it, and each region's
statement stays exactly what it signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from merge.answers import RegionAnswer
from merge.report import LicenceItem


def licence_items(answered: Iterable[RegionAnswer]) -> tuple[LicenceItem, ...]:
    items: list[LicenceItem] = []
    found: list[Any]  # WireLicence: a struct made at import time, not a static type
    for answer in answered:
        if answer.document is None:
            continue
        found = sorted(answer.document.records.licence, key=lambda licence: licence.record_id)
        found.sort(key=lambda licence: licence.decided_on, reverse=True)
        items += [
            LicenceItem(region=answer.region_code, record_id=licence.record_id, domain=licence.domain,
                        decided_on=licence.decided_on, valid_until=licence.valid_until)
            for licence in found
        ]  # fmt: skip
    return tuple(items)
