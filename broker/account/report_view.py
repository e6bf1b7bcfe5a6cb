"""A report as a page: header, the regions' answers, the domain × region matrix, the records by region, the
downloads and the share panel (code and QR code).

The content comes from the report itself (each record from its region's signed part, through
:func:`merge.report_content.shown_records`); labels are translated, names and record text stay as the regions
sent them. In Chinese the report's own (signed) notice is printed; in English a statement of the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

from aiohttp import web

from broker.pdf.bilingual import english_notice
from broker.pdf.qr import qr_png_data_uri
from broker.reports.issuance import verify_url
from broker.web import labels
from broker.web.appkeys import SETTINGS
from broker.web.confirmation_text import confirmation_sentence, seal_line
from broker.web.domain_statements import statements
from broker.web.formats import day, moment
from broker.web.i18n import N_, current, gettext
from broker.web.record_fields import fields, heading, licence_marks, marks
from broker.web.templates import render
from consent.sessions import Session
from merge.identifiers import SubjectKind
from merge.report import Report
from merge.report_content import confirmations_by_key, department_seals, shown_licences, shown_records


def notice(report: Report) -> str:
    """In Chinese the report's own (signed) notice; in English the same facts (:func:`english_notice`)."""
    return report.notice if current() == "zh" else english_notice(report)


def _records_by_region(report: Report) -> list[dict[str, Any]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    confirmations = confirmations_by_key(report)
    for item, record in shown_records(report):
        confirmation = confirmations.get((item.region, item.record_id))
        grouped[item.region].append(
            {
                "kind": labels.record_kind(item.kind.value),
                "heading": heading(record),
                "domain": labels.domain(record.domain),
                "marks": [gettext(m) for m in marks(item, record)],
                "fields": [(gettext(label), value) for label, value in fields(record, current())],
                "reported_by": [labels.region(code) for code in item.reported_by],
                "record_id": item.record_id,
                # Objections and repair requests are taken on penalties (adapters/ticket_fields.py).
                "disputable": item.kind.value == "penalty",
                "confirmation": None
                if confirmation is None
                else {
                    "state": confirmation.status,
                    "text": confirmation_sentence(confirmation),
                },
            }
        )
    return [
        {"code": r.code, "name": labels.region(r.code), "answered": r.status.value == "answered",
         "records": grouped.get(r.code, [])}
        for r in report.regions
    ]  # fmt: skip


def report_context(report: Report, code: str, public_base_url: str) -> dict[str, Any]:
    """Everything the report page shows, formatted in the current language."""
    link = verify_url(public_base_url, code)
    number = quote(report.report_no)
    person = report.subject.kind is SubjectKind.PERSON
    return {
        "r": report,
        "notice": notice(report),
        "edition_name": labels.edition(report.edition.value),
        "purpose_name": labels.purpose(report.purpose),
        "identifier_label": gettext(N_("居民身份证号码") if person else N_("统一社会信用代码")),
        "subject_kind": labels.subject_kind(report.subject.kind),
        "issued_at": moment(report.issued_at),
        "window": gettext(N_("%(start)s 至 %(end)s"), start=day(report.window.from_), end=day(report.window.to)),
        "regions": [
            {
                "code": g.code,
                "name": labels.region(g.code),
                "answered": g.status.value == "answered",
                "status": labels.region_status(g.status.value),
                "latency": gettext(N_("%(ms)s 毫秒"), ms=f"{g.latency_ms:.0f}"),
                "data_as_of": moment(g.data_as_of),
                "covered": g.covered_domain_count if g.status.value == "answered" else "—",
                "records": g.record_count if g.status.value == "answered" else "—",
                "signed_by": g.signed_by or "—",
            }
            for g in report.regions
        ],
        "matrix": [
            {
                "domain": labels.domain(row.domain, row.domain_name),
                "cells": [
                    (row.cells[g.code].state.value, labels.cell(row.cells[g.code].state.value, row.cells[g.code].count))
                    for g in report.regions
                ],
            }
            for row in report.matrix
        ],
        "domain_statements": statements(report, gettext),
        "by_region": _records_by_region(report),
        "seals": [seal_line(seal) for seal in department_seals(report)],
        "licences": [
            {
                "heading": heading(licence),
                "marks": [gettext(m) for m in licence_marks(licence, report.application_date)],
                "region": labels.region(item.region),
                "domain": labels.domain(licence.domain),
                "fields": [(gettext(label), value) for label, value in fields(licence, current())],
            }
            for item, licence in shown_licences(report)
        ],
        "confirming": report.edition.spec.department_confirmation,
        "code": code,
        "verify_url": link,
        "qr": qr_png_data_uri(link),
        "pdf_url": f"/v1/reports/{number}.pdf?code={quote(code)}",
        "json_url": f"/v1/reports/{number}.json?code={quote(code)}",
    }


def render_report(
    request: web.Request, session: Session, report: Report, code: str, *, fresh: bool = False, state: str = "valid"
) -> web.Response:
    context = report_context(report, code, request.app[SETTINGS].public_base_url)
    return render(
        request,
        "report.html.j2",
        account=session.account,
        csrf_token=session.csrf_token,
        fresh=fresh,
        report_status=state,
        **context,
    )
