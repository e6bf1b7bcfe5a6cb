"""The template context of the report PDF: every value preformatted, so the template holds no logic.

Pure (no weasyprint): labels and order of a penalty's fields follow the national 双公示 administrative-penalty
standard; dates are printed as 2025年3月2日 and times in Beijing time; a missing value is "—". Nothing is
added to or unmasked from the Report: identifiers are printed exactly as the Report holds them, and each record's
content is the one in its region's signed part (:func:`merge.report_content.shown_records`). Each answered region
is stated as signed by that region, naming the signing certificate's subject and fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from broker.pdf.bilingual import SIGNED, TOTAL, TOTAL_MERGED, UNSIGNED, english, english_notice, filled, is_bilingual
from broker.pdf.matrix import matrix_parts
from broker.pdf.qr import qr_png_data_uri
from broker.web import record_fields
from broker.web.confirmation_text import confirmation_sentence, seal_line
from broker.web.domain_statements import statements
from merge.confirmations import WireConfirmation
from merge.edition_rules import AnyRecord
from merge.identifiers import SubjectKind
from merge.records import VIOLATION_KINDS, Licence, RecordKind
from merge.regions import Region
from merge.report import CellState, LicenceItem, RegionSummary, Report, ReportRecord
from merge.report_content import confirmations_by_key, department_seals, shown_licences, shown_records

_BEIJING_TIME = timezone(timedelta(hours=8))
_STATUS = {
    "answered": "已应答",
    "unavailable": "无法连接",
    "timed_out": "超时",
    "refused": "拒绝查询",
    "error": "应答出错",
}
_SHORT = {"110000": "北京", "120000": "天津", "130000": "河北"}
_CELL_LABEL = {CellState.NO_RECORD: "无记录", CellState.NOT_COVERED: "未覆盖", CellState.NOT_ANSWERED: "未应答"}
_GROUP_TITLE = {
    RecordKind.PENALTY: "行政处罚",
    RecordKind.DISHONESTY_LIST_ENTRY: "严重失信主体名单",
    RecordKind.COERCIVE_MEASURE: "行政强制",
}
_EMPTY = "—"
Row = list[tuple[str, str, bool]]  # (label, value, whether the pair takes the whole row)


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else _EMPTY


def _moment(value: datetime | None) -> str:
    if value is None:
        return _EMPTY
    local = value.astimezone(_BEIJING_TIME)
    return f"{_day(local.date())} {local:%H:%M}（北京时间）"


def _text(value: str | Decimal | None) -> str:
    return _EMPTY if value is None or value == "" else str(value)


def _pairs(fields: list[tuple[str, str]]) -> list[Row]:
    """Two label/value pairs per table row; a long value gets a row of its own."""
    rows: list[Row] = []
    pending: Row = []
    for label, value in fields:
        if len(label) + len(value) > 26:
            rows.append([(label, value, True)])
            continue
        pending.append((label, value, False))
        if len(pending) == 2:
            rows.append(pending)
            pending = []
    if pending:
        rows.append([(pending[0][0], pending[0][1], True)])
    return rows


def _record_item(
    item: ReportRecord, record: AnyRecord, both: Callable[[str], str], confirmation: WireConfirmation | None = None
) -> dict[str, Any]:
    # Field labels and order of the national 双公示 standard (broker/web/record_fields.py, shared with the page).
    fields = [(both(label), value) for label, value in record_fields.fields(record, "zh")]
    if confirmation is not None:
        fields.append(("部门确认", confirmation_sentence(confirmation, "zh")))
    reported_by = "、".join(Region.from_code(code).display_name for code in item.reported_by)
    return {
        "heading": record_fields.heading(record),
        "marks": [both(mark) for mark in record_fields.marks(item, record)],
        "rows": _pairs(fields),
        "reported_by": reported_by,
    }


def _licence_item(item: LicenceItem, licence: Licence, both: Callable[[str], str], as_of: date) -> dict[str, Any]:
    fields = [(both(label), value) for label, value in record_fields.fields(licence, "zh")]
    return {
        "heading": record_fields.heading(licence),
        "marks": [both(mark) for mark in record_fields.licence_marks(licence, as_of)],
        "rows": _pairs(fields),
        "reported_by": Region.from_code(item.region).display_name,
    }


def _signed_statement(line: RegionSummary, bilingual: bool) -> tuple[str, str]:
    """ "该地区应答经其签名" with the certificate's subject and SHA-256 fingerprint, or why there is none; with its
    English where the report is bilingual."""
    if line.answer is None:
        return filled(UNSIGNED, bilingual=bilingual, region=line.name)
    fingerprint = hashlib.sha256(line.answer.certificate).hexdigest()[:32]
    return filled(
        SIGNED, bilingual=bilingual, region=line.name, subject=line.signed_by or _EMPTY, fingerprint=fingerprint
    )


def _cell(state: CellState, count: int) -> tuple[str, str]:
    """(state, label) of one matrix cell, as :func:`broker.pdf.matrix.matrix_parts` takes it."""
    return state.value, f"{count}条" if state is CellState.RECORDS else _CELL_LABEL[state]


def report_context(report: Report, *, verification_code: str, verify_url: str) -> dict[str, Any]:
    """What the template needs, preformatted: the template itself holds no formatting logic.

    A person's report for going abroad is bilingual (:mod:`broker.pdf.bilingual`): ``en(zh)`` gives each phrase's
    English there (empty otherwise), and labels, statuses and marks carry both."""
    bilingual = is_bilingual(report)

    def en(message: str) -> str:
        return english(message) if bilingual else ""

    def both(message: str) -> str:
        return f"{message} {english(message)}" if bilingual else message

    codes = [region.code for region in report.regions]
    matrix_text, matrix_background = matrix_parts(
        [(row.domain_name, [_cell(row.cells[c].state, row.cells[c].count) for c in codes]) for row in report.matrix],
        [_SHORT.get(g.code, g.name) for g in report.regions],
    )
    groups: dict[RecordKind, list[dict[str, Any]]] = {kind: [] for kind in VIOLATION_KINDS}
    confirmations = confirmations_by_key(report)
    for item, record in shown_records(report):
        groups[item.kind].append(_record_item(item, record, both, confirmations.get((item.region, item.record_id))))
    person = report.subject.kind is SubjectKind.PERSON
    return {
        "r": report,
        "verification_code": verification_code,
        "verify_url": verify_url,
        "qr_uri": qr_png_data_uri(verify_url),
        "issued_at": _moment(report.issued_at),
        "window": f"{_day(report.window.from_)} 至 {_day(report.window.to)}",
        "subject_name": report.subject.name or "（各地区均未报送主体名称）",
        "identifier_label": "居民身份证号码" if person else "统一社会信用代码",
        "regions": [
            {
                "name": g.name,
                "short": _SHORT.get(g.code, g.name),
                "status": both(_STATUS.get(g.status.value, g.status.value)),
                "css": "answered" if g.status.value == "answered" else "not_answered",
                "data_as_of": _moment(g.data_as_of),
                "covered": f"{g.covered_domain_count} 个" if g.status.value == "answered" else _EMPTY,
                "records": str(g.record_count) if g.status.value == "answered" else _EMPTY,
                "signed": _signed_statement(g, bilingual),
            }
            for g in report.regions
        ],
        "matrix": {"text": matrix_text, "background": matrix_background},
        # One pre-line box for all of them (a box per sentence would cost what the matrix's boxes did).
        "domain_statements": "\n".join(statements(report)),
        "record_groups": [
            {"title": both(_GROUP_TITLE[kind]), "items": items} for kind, items in groups.items() if items
        ],
        "licences": [
            _licence_item(item, licence, both, report.application_date) for item, licence in shown_licences(report)
        ],
        "licence_title": both("行政许可"),
        "licence_note": both("行政许可不是违法违规记录，不影响上述记录情况和各领域说明。"),
        "confirming": report.edition.spec.department_confirmation,
        "seals": [seal_line(seal, "zh") for seal in department_seals(report)],
        "bilingual": bilingual,
        "en": en,
        "english_notice": english_notice(report) if bilingual else "",
        "total": filled(
            TOTAL_MERGED if report.summary.duplicates_merged else TOTAL,
            bilingual=bilingual,
            total=str(report.summary.total_records),
            merged=str(report.summary.duplicates_merged),
        ),
        # The matrix's labels are tab-aligned Chinese (broker/pdf/matrix.py): their English is given beside it.
        "domain_glossary": "; ".join(f"{row.domain_name} {english(row.domain_name)}" for row in report.matrix)
        if bilingual
        else "",
    }
