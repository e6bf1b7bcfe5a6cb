"""Three regional answers → one report, fast: :func:`merge.merging.merge_report`'s signature and result.

The rules are :mod:`merge.merging`'s; this module builds the same :class:`Report` from the records merged column
by column over the decoded answer documents (:mod:`merge.fast.record_merge`; the reference reads the signed bytes
again as models) and a matrix of models built without re-validation (:mod:`merge.fast.trusted`), its counts the
documents' own summaries (checked equal to their records when read). The region lines, the subject's name and
the notice are the reference's own functions: they cost nothing. tests/merge/fast/test_merging.py holds the two
merges (and their canonical bytes) equal.

It does not pause the garbage collector: that is the caller's policy (see :mod:`merge.fast`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from merge.answers import RegionAnswer
from merge.domains import DOMAIN_BY_CODE, DOMAINS, domain_name
from merge.editions import PURPOSE_BY_CODE
from merge.fast.record_merge import merge_records
from merge.fast.report_records import ReportRecords
from merge.fast.trusted import construct_trusted
from merge.licences import licence_items
from merge.merging import answers_by_region, notice, region_summary, subject_name
from merge.records import VIOLATION_KINDS
from merge.regions import REGION_ORDER
from merge.report import (
    SCHEMA,
    CellState,
    MatrixCell,
    MatrixRow,
    Report,
    ReportQuery,
    ReportSubject,
    ReportSummary,
    ReportWindow,
)

_DOMAIN_CODES = tuple(domain.code for domain in DOMAINS)
_CELL_FIELDS = frozenset({"state", "count"})
_ROW_FIELDS = frozenset({"domain", "domain_name", "cells"})
_NO_RECORD = MatrixCell.model_construct(state=CellState.NO_RECORD, count=0)
_NOT_COVERED = MatrixCell.model_construct(state=CellState.NOT_COVERED, count=0)
_NOT_ANSWERED = MatrixCell.model_construct(state=CellState.NOT_ANSWERED, count=0)


def merge_report(query: ReportQuery, answers: Sequence[RegionAnswer], *, report_no: str, issued_at: datetime) -> Report:
    """:func:`merge.merging.merge_report`, fast: the same report for the same input, the same errors."""
    by_region = answers_by_region(answers)
    answered = [a for a in by_region.values() if a.answered]
    documents = [a.document for a in answered if a.document is not None]
    merged = merge_records(documents)
    records = ReportRecords(*merged.columns)
    complete = len(answered) == len(REGION_ORDER)
    subject = query.subject
    summary = ReportSummary.model_construct(
        total_records=len(records),
        by_kind={kind: merged.by_kind.get(kind, 0) for kind in VIOLATION_KINDS},
        by_region={code: a.record_count for code, a in by_region.items()},
        duplicates_merged=merged.duplicates,
    )
    return Report(
        schema=SCHEMA,
        report_no=report_no,
        issued_at=issued_at,
        edition=query.edition,
        edition_name=query.edition.display_name,
        purpose=query.purpose,
        purpose_name=PURPOSE_BY_CODE[query.purpose].name,
        subject=ReportSubject(
            kind=subject.kind,
            identifier=subject.masked,
            name=subject_name(answered),
        ),
        window=ReportWindow.model_validate({"from": query.window_from, "to": query.window_to}),
        application_date=query.application_date,
        complete=complete,
        certificate_usable=complete,
        notice=notice(by_region),
        regions=tuple(region_summary(a) for a in by_region.values()),
        matrix=_matrix(by_region, {d.region_code: d.summary.count_by_domain for d in documents}),
        records=records,  # taken as it is: built from validated records
        licences=licence_items(answered),
        summary=summary,
    )


def _matrix(answers: dict[str, RegionAnswer], counts: dict[str, dict[str, int]]) -> tuple[MatrixRow, ...]:
    """``counts``: what each answered region sent, by domain. 45 rows × 3 cells per report, built with the
    trusted constructors (the parts are valid by construction), and each region's state read once."""
    extra = {d for c in counts.values() for d in c if d not in DOMAIN_BY_CODE}
    columns = [(code, counts.get(code), answer.covered_domains) for code, answer in answers.items()]
    rows = []
    for code in [*_DOMAIN_CODES, *sorted(extra)]:
        cells: dict[str, MatrixCell] = {}
        for region_code, region_counts, covered in columns:
            if region_counts is None:
                cells[region_code] = _NOT_ANSWERED
            elif count := region_counts.get(code, 0):
                cells[region_code] = trusted_cell(CellState.RECORDS, count)
            elif code in covered:
                cells[region_code] = _NO_RECORD
            else:
                cells[region_code] = _NOT_COVERED
        rows.append(trusted_row(code, domain_name(code), cells))
    return tuple(rows)


def trusted_cell(state: CellState, count: int) -> MatrixCell:
    """``MatrixCell.model_construct(state=..., count=...)`` for values already known valid."""
    cell: MatrixCell = construct_trusted(MatrixCell, {"state": state, "count": count}, _CELL_FIELDS)  # type: ignore[assignment]
    return cell


def trusted_row(domain: str, name: str, cells: dict[str, MatrixCell]) -> MatrixRow:
    """``MatrixRow.model_construct(domain=..., domain_name=..., cells=...)`` for parts already known valid."""
    values: dict[str, object] = {"domain": domain, "domain_name": name, "cells": cells}
    row: MatrixRow = construct_trusted(MatrixRow, values, _ROW_FIELDS)  # type: ignore[assignment]
    return row
