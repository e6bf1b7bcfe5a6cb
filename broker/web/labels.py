"""Every value the portal shows by its label, never its code: statuses, outcomes, cell states, record kinds.

Labels are Chinese msgids, translated where they are shown (:func:`broker.web.i18n.gettext`). Labels that are data
of the domain — edition, purpose, region and domain names, penalty categories, grant statuses — are already Chinese
in :mod:`merge` and :mod:`consent`; :func:`data_messages` lists them so that the catalogue carries them too
(:mod:`broker.web.catalogue` adds them to what it extracts from templates and code).
"""

from __future__ import annotations

from collections.abc import Iterator

from broker.web.i18n import N_, gettext
from consent.grants import STATUS_NAMES, GrantStatus
from merge.domains import DOMAIN_BY_CODE, DOMAINS
from merge.edition_files import load_catalogue
from merge.editions import PURPOSE_BY_CODE, PURPOSES, Edition
from merge.identifiers import SubjectKind
from merge.records import LicenceCategory, PenaltyCategory, SubjectCategory
from merge.regions import REGION_ORDER, Region

REGION_STATUS = {
    "answered": N_("已应答"),
    "unavailable": N_("无法连接"),
    "timed_out": N_("超时未应答"),
    "refused": N_("拒绝查询或应答未通过验证"),
    "error": N_("应答出错"),
}
CELL_STATE = {
    "no_record": N_("无记录"),
    "not_covered": N_("未覆盖"),
    "not_answered": N_("未应答"),
}
RECORD_KIND = {
    "penalty": N_("行政处罚"),
    "dishonesty_list_entry": N_("严重失信主体名单"),
    "coercive_measure": N_("行政强制"),
    "licence": N_("行政许可"),
}
SUBJECT_KIND = {SubjectKind.ENTERPRISE: N_("经营主体"), SubjectKind.PERSON: N_("自然人")}
#: "Who queried me": what became of each request.
OUTCOME = {
    "issued": N_("已出具"),
    "issued_incomplete": N_("已出具（不完整）"),
    "pending": N_("待部门确认（尚未出具）"),
}
OUTCOME_FAILED = N_("未出具")
OUTCOME_DECLINED = N_("未出具（有地区未应答，未接受不完整报告）")
VERIFY_STATUS = {
    "valid": N_("有效"),
    "expired": N_("已过期"),
    "revoked": N_("已撤销"),
    "suspended": N_("已暂停（异议处理中）"),
    "unknown": N_("未找到"),
}
#: The editions' short names, for tables and buttons.
EDITION_SHORT = {
    Edition.STANDARD: N_("普通版"),
    Edition.ADMINISTRATIVE: N_("行政管理版"),
    Edition.LISTING: N_("上市专版"),
    Edition.PERSON: N_("自然人版"),
    Edition.FINANCIAL: N_("金融专用版"),
}


def data_messages() -> Iterator[str]:
    """The domain's own Chinese labels, which the catalogue must translate as it does the templates' strings."""
    # The shipped editions only: an operator's own edition (JJJ_EDITIONS_DIR) is shown by its file's name.
    yield from (spec.display_name for spec in load_catalogue().values())
    yield from (purpose.name for purpose in PURPOSES)
    yield from (region.display_name for region in REGION_ORDER)
    yield from (domain.name for domain in DOMAINS)
    yield from (category.value for category in PenaltyCategory)
    yield from (category.value for category in SubjectCategory)
    yield from (category.value for category in LicenceCategory)
    yield from STATUS_NAMES.values()


def edition(code: str) -> str:
    try:
        return gettext(Edition(code).display_name)
    except ValueError:
        return code


def edition_short(code: str) -> str:
    try:
        found = Edition(code)
    except ValueError:
        return code
    short = EDITION_SHORT.get(found)
    return gettext(short) if short else found.display_name


def purpose(code: str) -> str:
    found = PURPOSE_BY_CODE.get(code)
    return gettext(found.name) if found else code


def region(code: str) -> str:
    try:
        return gettext(Region.from_code(code).display_name)
    except ValueError:
        return code


def domain(code: str, fallback: str = "") -> str:
    found = DOMAIN_BY_CODE.get(code)
    return gettext(found.name) if found else (fallback or code)


def region_status(code: str) -> str:
    return gettext(REGION_STATUS.get(code, code))


def cell(state: str, count: int) -> str:
    if state == "records":
        return gettext(N_("%(count)d 条记录"), count=count)
    return gettext(CELL_STATE.get(state, state))


def record_kind(code: str) -> str:
    return gettext(RECORD_KIND.get(code, code))


def subject_kind(kind: SubjectKind) -> str:
    return gettext(SUBJECT_KIND[kind])


def outcome(code: str) -> str:
    if code in OUTCOME:
        return gettext(OUTCOME[code])
    if code == "failed:regions_unanswered":
        return gettext(OUTCOME_DECLINED)
    return gettext(OUTCOME_FAILED)


CONFIRMATION_STATUS = {
    "pending": N_("待部门确认"),
    "confirmed": N_("部门已确认"),
    "annotated": N_("部门已确认并附说明"),
    "expired": N_("部门逾期未确认"),
}


def confirmation_status(code: str) -> str:
    return gettext(CONFIRMATION_STATUS.get(code, code))


def verify_status(code: str) -> str:
    return gettext(VERIFY_STATUS.get(code, code))


def grant_status(code: str) -> str:
    try:
        return gettext(STATUS_NAMES[GrantStatus(code)])
    except ValueError:
        return code


def penalty_category(value: str) -> str:
    return gettext(value)
