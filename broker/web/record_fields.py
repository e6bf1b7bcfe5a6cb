"""A record's fields as people read them: the label (a Chinese msgid) and the value, in the standard's order.

Labels and order of a penalty follow the national 双公示 administrative-penalty standard. The report page and the
report PDF both print records from these tables, so the two never disagree; values are formatted in the language
asked for (dates, categories), while names and free text stay exactly as the region sent them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from broker.web.formats import day
from broker.web.i18n import N_, Lang, gettext
from merge.edition_rules import AnyRecord, licence_expired
from merge.records import CoerciveMeasure, DishonestyListEntry, Licence, Penalty, RepairStatus
from merge.report import ReportRecord
from merge.severity import Severity

EMPTY = "—"
Field = tuple[str, str]  # (label msgid, value as shown)


def _text(value: str | Decimal | None) -> str:
    return EMPTY if value is None or value == "" else str(value)


def _penalty(p: Penalty, lang: Lang) -> list[Field]:
    def d(value: date | None) -> str:
        return day(value, lang)

    return [
        (N_("行政相对人名称"), p.subject_name),
        (N_("行政相对人类别"), gettext(p.subject_category.value, lang)),
        (N_("统一社会信用代码"), _text(p.uscc)),
        (N_("法定代表人"), _text(p.legal_representative)),
        (N_("证件类型"), _text(p.id_type)),
        (N_("证件号码"), _text(p.id_number)),
        (N_("违法行为类型"), p.violation_type),
        (N_("处罚类别"), gettext(N_("、"), lang).join(gettext(c.value, lang) for c in p.categories) or EMPTY),
        (N_("违法事实"), _text(p.violation_facts)),
        (N_("处罚依据"), _text(p.legal_basis)),
        (N_("处罚内容"), _text(p.content)),
        (N_("罚款金额（万元）"), _text(p.fine_amount)),
        (N_("没收金额（万元）"), _text(p.confiscated_amount)),
        (N_("暂扣或吊销证照"), _text(p.license_ref)),
        (N_("处罚决定日期"), d(p.decision_date)),
        (N_("处罚有效期"), d(p.valid_until)),
        (N_("公示截止期"), d(p.publicity_until)),
        (N_("处罚机关"), p.authority_name),
        (N_("处罚机关统一社会信用代码"), _text(p.authority_uscc)),
        (N_("数据来源单位"), _text(p.data_source)),
        (N_("备注"), _text(p.remarks)),
    ]


def _list_entry(e: DishonestyListEntry, lang: Lang) -> list[Field]:
    return [
        (N_("名单名称"), e.list_name),
        (N_("认定机关"), e.authority_name),
        (N_("列入日期"), day(e.listed_on, lang)),
        (N_("移出日期"), day(e.removed_on, lang)),
        (N_("统一社会信用代码"), _text(e.uscc)),
        (N_("证件号码"), _text(e.id_number)),
        (N_("认定文书编号"), _text(e.document_no)),
        (N_("列入事由"), _text(e.reason)),
    ]


def _coercive(m: CoerciveMeasure, lang: Lang) -> list[Field]:
    return [
        (N_("强制措施类型"), m.measure_type),
        (N_("实施机关"), m.authority_name),
        (N_("决定日期"), day(m.decided_on, lang)),
        (N_("解除日期"), day(m.lifted_on, lang)),
        (N_("统一社会信用代码"), _text(m.uscc)),
        (N_("证件号码"), _text(m.id_number)),
        (N_("文书编号"), m.document_no),
        (N_("事由"), _text(m.reason)),
    ]


def _licence(lic: Licence, lang: Lang) -> list[Field]:
    # Labels and order of the 双公示 administrative-licensing standard.
    return [
        (N_("行政许可决定文书名称"), lic.document_name),
        (N_("行政许可决定文书号"), lic.document_no),
        (N_("许可类别"), gettext(lic.category.value, lang)),
        (N_("许可证书名称"), _text(lic.certificate_name)),
        (N_("许可编号"), _text(lic.licence_no)),
        (N_("许可内容"), _text(lic.content)),
        (N_("许可决定日期"), day(lic.decided_on, lang)),
        (N_("有效期自"), day(lic.valid_from, lang)),
        (N_("有效期至"), day(lic.valid_until, lang)),
        (N_("许可机关"), lic.authority_name),
        (N_("许可机关统一社会信用代码"), _text(lic.authority_uscc)),
        (N_("统一社会信用代码"), _text(lic.uscc)),
        (N_("证件号码"), _text(lic.id_number)),
        (N_("数据来源单位"), _text(lic.data_source)),
        (N_("备注"), _text(lic.remarks)),
    ]


_FIELDS: dict[type, Callable[..., list[Field]]] = {
    Penalty: _penalty,
    DishonestyListEntry: _list_entry,
    CoerciveMeasure: _coercive,
    Licence: _licence,
}


def fields(record: AnyRecord, lang: Lang) -> list[Field]:
    """The record's fields: (label msgid, value in ``lang``)."""
    return _FIELDS[type(record)](record, lang)


def heading(record: AnyRecord) -> str:
    """A record's own title: its document number and authority, as the region sent them."""
    if isinstance(record, Penalty):
        return f"{record.decision_no}　{record.authority_name}"
    if isinstance(record, DishonestyListEntry):
        return f"{record.list_name}　{record.authority_name}"
    if isinstance(record, Licence):
        return f"{record.document_name} {record.document_no}　{record.authority_name}"
    return f"{record.document_no}　{record.authority_name}"


#: The severity class each record states (merge/severity.toml), as the report page and the PDF print it.
SEVERITY_MARKS = {
    Severity.GENERAL: N_("严重程度：一般"),
    Severity.HEAVY: N_("严重程度：较重"),
    Severity.SERIOUS: N_("严重程度：严重"),
}


def marks(item: ReportRecord, record: AnyRecord) -> list[str]:
    """The marks a record carries (msgids): its severity class, minor, repaired, repair or objection under way,
    removed from a list."""
    found = [SEVERITY_MARKS[item.severity]] if item.severity is not None else []
    if item.minor:
        found.append(N_("轻微"))
    if item.repaired:
        found.append(N_("已信用修复"))
    if isinstance(record, Penalty):
        if record.repair_status is RepairStatus.IN_PROGRESS:
            found.append(N_("信用修复中"))
        if record.objection_open:
            found.append(N_("异议处理中"))
    elif isinstance(record, DishonestyListEntry) and record.removed_on:
        found.append(N_("已移出"))
    return found


def licence_marks(licence: Licence, as_of: date) -> list[str]:
    """The marks a licence carries (msgids) on the report's application date ``as_of``: expired, if it is (it is
    listed all the same: it was in force during the window, :func:`merge.edition_rules.shows`). No severity: a
    licence is not a violation."""
    return [N_("许可已过期")] if licence_expired(licence, as_of) else []
