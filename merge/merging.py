"""Three regional answers → one report: the rules of the merge, written plainly. Pure and deterministic.

Rules (issue 2, DESIGN invariants 1 and 5):

- Every report names exactly the three regions, in :data:`merge.regions.REGION_ORDER`; a region with no answer
  in the input counts as ``unavailable`` — never as clean. An unknown or repeated region code is refused.
- Records from a region that did not answer are dropped: a stream cut off by a deadline or an error is not an
  answer, and showing part of it would look like the whole. The report is ``complete`` (and usable as a
  certificate) only when all three regions answered, and its notice names every region that did not.
- The domain × region matrix says ``no_record`` for a region and domain only when that region answered and
  covers that domain. A region that did not answer is ``not_answered`` in every row; an answered region is
  ``not_covered`` where it does not collect the domain, unless it sent records there anyway (then ``records``:
  a record is never hidden behind a coverage claim). Rows follow the domain catalogue, then any domain code
  outside it that a region sent, by code.
- The same decision reported by several regions (equal ``dedup_key``) appears once, with every reporting
  region in ``reported_by``; the copy shown (``region`` and ``record_id`` of the item: its content is in that
  region's signed part) is the earliest region's, then the lowest ``record_id``. Matrix counts and
  ``summary.by_region`` count what each region sent.
- Records are ordered by event date (newest first), domain catalogue order (codes outside it after every known
  one, by code), then the shown copy's region (report order) and ``record_id``: the output does not depend on
  the order of the answers or of the records.
- Every answered region's line carries its signed part verbatim and who signed it. Nothing inside a part is
  changed: the nodes mask full resident IDs before they sign, and a part that still holds one never gets here
  (:func:`merge.answer_document.read_document` refuses it). A person subject's identifier is masked.
- The subject's name is the one the first region (report order) whose register knows the subject gives; else
  the first name any answered region gives (from its records); else empty.
- A record is marked ``minor`` and ``repaired`` as :mod:`merge.edition_rules` says, and states its severity class
  as :mod:`merge.severity` says.

This module is the reference: every document's records read back as validated models, one record at a time. The
broker calls the fast path, :func:`merge.fast.merging.merge_report`, which works on the decoded documents and
gives the same report (tests/merge/fast/test_merging.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from merge.answer_document import KINDS, SubjectStatus
from merge.answers import RegionAnswer, RegionStatus
from merge.domains import DOMAIN_BY_CODE, DOMAINS, domain_name
from merge.edition_rules import is_minor, is_repaired
from merge.editions import PURPOSE_BY_CODE
from merge.licences import licence_items
from merge.records import VIOLATION_KINDS, Licence, RecordKind, Violation
from merge.regions import REGION_ORDER, Region
from merge.report import (
    SCHEMA,
    CellState,
    MatrixCell,
    MatrixRow,
    RegionSummary,
    Report,
    ReportQuery,
    ReportRecord,
    ReportSubject,
    ReportSummary,
    ReportWindow,
)
from merge.severity import severity_of

_REGION_CODES = [region.code for region in REGION_ORDER]
_CATALOGUE = [domain.code for domain in DOMAINS]
_STATUS_NAMES = {
    RegionStatus.UNAVAILABLE: "无法连接",
    RegionStatus.TIMED_OUT: "超时",
    RegionStatus.REFUSED: "拒绝查询",
    RegionStatus.ERROR: "应答出错",
}


def merge_report(query: ReportQuery, answers: Sequence[RegionAnswer], *, report_no: str, issued_at: datetime) -> Report:
    """Merge the regions' answers to ``query`` into one :class:`Report` (rules in the module docstring).

    ``answers`` holds at most one answer per region code; an unknown or repeated region code is a
    :class:`ValueError`. ``issued_at`` must be timezone-aware.
    """
    by_region = answers_by_region(answers)
    answered = [answer for answer in by_region.values() if answer.answered]
    records = {answer.region_code: _records(answer) for answer in answered}
    items = merged_records(records)
    sent = sum(len(region_records) for region_records in records.values())
    complete = len(answered) == len(REGION_ORDER)
    return Report(
        schema=SCHEMA,
        report_no=report_no,
        issued_at=issued_at,
        edition=query.edition,
        edition_name=query.edition.display_name,
        purpose=query.purpose,
        purpose_name=PURPOSE_BY_CODE[query.purpose].name,
        subject=ReportSubject(
            kind=query.subject.kind,
            identifier=query.subject.masked,
            name=subject_name(answered),
        ),
        window=ReportWindow.model_validate({"from": query.window_from, "to": query.window_to}),
        application_date=query.application_date,
        complete=complete,
        certificate_usable=complete,
        notice=notice(by_region),
        regions=tuple(region_summary(answer) for answer in by_region.values()),
        matrix=_matrix(by_region, records),
        records=tuple(items),
        licences=licence_items(answered),
        summary=ReportSummary(
            total_records=len(items),
            by_kind={kind: sum(item.kind is kind for item in items) for kind in VIOLATION_KINDS},
            by_region={code: len(records.get(code, ())) for code in by_region},
            duplicates_merged=sent - len(items),
        ),
    )


def answers_by_region(answers: Sequence[RegionAnswer]) -> dict[str, RegionAnswer]:
    """One answer per region code, in report order; a missing region becomes ``unavailable``."""
    given: dict[str, RegionAnswer] = {}
    for answer in answers:
        if answer.region_code not in _REGION_CODES:
            raise ValueError(f"answers: unknown region_code {answer.region_code!r}")
        if answer.region_code in given:
            raise ValueError(f"answers: region_code {answer.region_code!r} appears twice")
        given[answer.region_code] = answer
    return {
        code: given.get(code)
        or RegionAnswer(region_code=code, status=RegionStatus.UNAVAILABLE, latency_ms=0, error="no answer")
        for code in _REGION_CODES
    }


def _records(answer: RegionAnswer) -> list[Violation]:
    """The region's records as models, read back from the JSON it signed (each validated by its model)."""
    if answer.part is None:
        return []
    document = json.loads(answer.part.document)
    models = [
        KINDS[RecordKind(kind)][0].model_validate({**record, "region_code": document["region_code"]})
        for kind, records in document["records"].items()
        for record in records
    ]
    return [model for model in models if not isinstance(model, Licence)]  # not violations: listed apart


def subject_name(answered: list[RegionAnswer]) -> str:
    """The subject's name: a registering region's (report order), else the first any answered region gives."""
    subjects = [a.document.subject for a in answered if a.document is not None]
    registered = [s.name for s in subjects if s.status is not SubjectStatus.NOT_REGISTERED and s.name]
    named = [s.name for s in subjects if s.name]
    return (registered or named or [""])[0]


def merged_records(records: dict[str, list[Violation]]) -> list[ReportRecord]:
    """The answered regions' records: every decision once, marked, in report order."""
    copies: dict[tuple[str, ...], list[tuple[int, Violation]]] = {}
    for code, region_records in records.items():
        region_index = _REGION_CODES.index(code)
        for record in region_records:
            copies.setdefault(record.dedup_key, []).append((region_index, record))
    shown_items = []
    for group in copies.values():
        _, shown = min(group, key=lambda copy: (copy[0], copy[1].record_id))
        reported_by = tuple(_REGION_CODES[index] for index in sorted({index for index, _ in group}))
        item = ReportRecord(
            kind=shown.kind, region=shown.region_code, record_id=shown.record_id, reported_by=reported_by,
            minor=is_minor(shown), repaired=is_repaired(shown), severity=severity_of(shown),
        )  # fmt: skip
        shown_items.append((_report_order(shown), item))
    return [item for _, item in sorted(shown_items, key=lambda pair: pair[0])]


def _report_order(record: Violation) -> tuple[int, int, str, int, str]:
    rank = _CATALOGUE.index(record.domain) if record.domain in _CATALOGUE else len(_CATALOGUE)
    region = _REGION_CODES.index(record.region_code)
    return (-record.event_date.toordinal(), rank, record.domain, region, record.record_id)


def _matrix(by_region: dict[str, RegionAnswer], records: dict[str, list[Violation]]) -> tuple[MatrixRow, ...]:
    sent = {code: Counter(r.domain for r in region_records) for code, region_records in records.items()}
    outside = sorted({domain for counts in sent.values() for domain in counts} - DOMAIN_BY_CODE.keys())
    rows = []
    for domain in [*_CATALOGUE, *outside]:
        cells = {code: _cell(answer, sent.get(code, Counter())[domain], domain) for code, answer in by_region.items()}
        rows.append(MatrixRow(domain=domain, domain_name=domain_name(domain), cells=cells))
    return tuple(rows)


def _cell(answer: RegionAnswer, sent: int, domain: str) -> MatrixCell:
    """What the matrix says of one region in one domain, given how many records it sent there."""
    if not answer.answered:
        return MatrixCell(state=CellState.NOT_ANSWERED, count=0)
    if sent:
        return MatrixCell(state=CellState.RECORDS, count=sent)
    if domain in answer.covered_domains:
        return MatrixCell(state=CellState.NO_RECORD, count=0)
    return MatrixCell(state=CellState.NOT_COVERED, count=0)


def region_summary(answer: RegionAnswer) -> RegionSummary:
    """One region's line: ``covered_domain_count`` and ``record_count`` are 0 unless it answered; an answered
    region's signed part as it came."""
    return RegionSummary(
        code=answer.region_code,
        name=Region.from_code(answer.region_code).display_name,
        status=answer.status,
        latency_ms=round(answer.latency_ms, 1),
        data_as_of=answer.data_as_of,
        covered_domain_count=len(answer.covered_domains),
        record_count=answer.record_count,
        error=answer.error,
        signed_by=answer.signer if answer.answered else None,
        answer=answer.part,
    )


def notice(by_region: dict[str, RegionAnswer]) -> str:
    """The report's opening sentence: all answered, or which regions did not (and what that means)."""
    missing = [
        f"{Region.from_code(code).display_name}（{_STATUS_NAMES[answer.status]}）"
        for code, answer in by_region.items()
        if not answer.answered
    ]
    if not missing:
        return (
            "北京市、天津市、河北省三地公共信用信息平台均已应答。本报告按领域逐一列明各地区的记录情况；"
            "“未覆盖”表示该地区未归集该领域的信息，不代表无记录。"
        )
    return f"以下地区未应答：{'、'.join(missing)}。本报告不完整，未应答地区的情况未知，不得替代无违法违规证明使用。"
