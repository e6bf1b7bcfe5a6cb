"""The 双公示 administrative-penalty CSV layout: its Chinese headers, our extra columns and their vocabularies.

The standard's columns come first in the standard's order, then ours (领域, 程序类型, 不予处罚, 信用修复状态,
信用修复日期, 异议). Column order in a file is free; headers are matched after trimming and folding full-width
parentheses, so ``罚款金额（万元）`` is ``罚款金额(万元)``.
"""

from __future__ import annotations

from merge.domains import domain_name
from merge.records import Penalty, Procedure, RepairStatus

SUBJECT_NAME = "行政相对人名称"
SUBJECT_CATEGORY = "行政相对人类别"
USCC = "统一社会信用代码"
LEGAL_REPRESENTATIVE = "法定代表人"
ID_TYPE = "证件类型"
ID_NUMBER = "证件号码"
DECISION_NO = "行政处罚决定书文号"
VIOLATION_TYPE = "违法行为类型"
VIOLATION_FACTS = "违法事实"
LEGAL_BASIS = "处罚依据"
CATEGORIES = "处罚类别"
CONTENT = "处罚内容"
FINE_AMOUNT = "罚款金额(万元)"
CONFISCATED_AMOUNT = "没收违法所得、没收非法财物的金额(万元)"
LICENSE_REF = "暂扣或吊销证照名称及编号"
DECISION_DATE = "处罚决定日期"
VALID_UNTIL = "处罚有效期"
PUBLICITY_UNTIL = "公示截止期"
AUTHORITY = "处罚机关"
AUTHORITY_USCC = "处罚机关统一社会信用代码"
DATA_SOURCE = "数据来源单位"
DATA_SOURCE_USCC = "数据来源单位统一社会信用代码"
REMARKS = "备注"
DOMAIN = "领域"
PROCEDURE = "程序类型"
NOT_PENALISED = "不予处罚"
REPAIR_STATUS = "信用修复状态"
REPAIRED_ON = "信用修复日期"
OBJECTION = "异议"

#: Every column, in the order files we write use.
COLUMNS: tuple[str, ...] = (
    SUBJECT_NAME, SUBJECT_CATEGORY, USCC, LEGAL_REPRESENTATIVE, ID_TYPE, ID_NUMBER, DECISION_NO, VIOLATION_TYPE,
    VIOLATION_FACTS, LEGAL_BASIS, CATEGORIES, CONTENT, FINE_AMOUNT, CONFISCATED_AMOUNT, LICENSE_REF, DECISION_DATE,
    VALID_UNTIL, PUBLICITY_UNTIL, AUTHORITY, AUTHORITY_USCC, DATA_SOURCE, DATA_SOURCE_USCC, REMARKS,
    DOMAIN, PROCEDURE, NOT_PENALISED, REPAIR_STATUS, REPAIRED_ON, OBJECTION,
)  # fmt: skip

#: Columns a file may leave out; a missing one reads as empty (its default).
OPTIONAL_COLUMNS: frozenset[str] = frozenset(
    {DATA_SOURCE_USCC, PROCEDURE, NOT_PENALISED, REPAIR_STATUS, REPAIRED_ON, OBJECTION}
)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)

#: 证件类型 a natural person's row must carry.
RESIDENT_ID_TYPE = "身份证"
#: 处罚类别 may list several categories separated by any of these.
CATEGORY_SEPARATORS = ("、", ";", "；")

PROCEDURES: dict[str, Procedure] = {"简易程序": Procedure.SIMPLE, "普通程序": Procedure.ORDINARY}
YES_NO: dict[str, bool] = {"是": True, "否": False}
REPAIR_STATUSES: dict[str, RepairStatus] = {
    "未修复": RepairStatus.NONE,
    "修复中": RepairStatus.IN_PROGRESS,
    "已修复": RepairStatus.REPAIRED,
}


def normalise_header(header: str) -> str:
    return header.strip().replace("（", "(").replace("）", ")")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def penalty_to_row(penalty: Penalty) -> dict[str, str]:
    """The CSV row of ``penalty`` under :data:`COLUMNS` (what :func:`adapters.csv_import.parse_csv` reads back)."""
    procedure = {v: k for k, v in PROCEDURES.items()}[penalty.procedure]
    repair = {v: k for k, v in REPAIR_STATUSES.items()}[penalty.repair_status]
    return {
        SUBJECT_NAME: penalty.subject_name,
        SUBJECT_CATEGORY: penalty.subject_category.value,
        USCC: penalty.uscc,
        LEGAL_REPRESENTATIVE: penalty.legal_representative,
        ID_TYPE: penalty.id_type,
        ID_NUMBER: penalty.id_number,
        DECISION_NO: penalty.decision_no,
        VIOLATION_TYPE: penalty.violation_type,
        VIOLATION_FACTS: penalty.violation_facts,
        LEGAL_BASIS: penalty.legal_basis,
        CATEGORIES: "、".join(c.value for c in penalty.categories),
        CONTENT: penalty.content,
        FINE_AMOUNT: _text(penalty.fine_amount),
        CONFISCATED_AMOUNT: _text(penalty.confiscated_amount),
        LICENSE_REF: penalty.license_ref,
        DECISION_DATE: penalty.decision_date.isoformat(),
        VALID_UNTIL: _text(penalty.valid_until),
        PUBLICITY_UNTIL: _text(penalty.publicity_until),
        AUTHORITY: penalty.authority_name,
        AUTHORITY_USCC: penalty.authority_uscc,
        DATA_SOURCE: penalty.data_source,
        DATA_SOURCE_USCC: "",
        REMARKS: penalty.remarks,
        DOMAIN: domain_name(penalty.domain),
        PROCEDURE: procedure,
        NOT_PENALISED: "是" if penalty.not_penalised else "否",
        REPAIR_STATUS: repair,
        REPAIRED_ON: _text(penalty.repaired_on),
        OBJECTION: "是" if penalty.objection_open else "否",
    }
