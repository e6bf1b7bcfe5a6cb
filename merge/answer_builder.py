"""Building a region's answer document from record models: what a node signs, and what tests answer with.

One builder for every producer, so the summary always states what the records are: counts by domain (non-zero
only), the total, and the records grouped by kind in the order given. Masking is the node's, before this
(:mod:`merge.masking`); :func:`merge.answer_document.read_document` refuses a document with a full resident ID.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from merge.answer_document import (
    SCHEMA,
    AnswerDocument,
    AnswerSubject,
    AnswerSummary,
    AnswerWindow,
    SubjectStatus,
    WireRecord,
    grouped,
    wire_record,
)
from merge.answers import RegionAnswer, answered
from merge.edition_rules import AnyRecord
from merge.editions import Edition
from merge.identifiers import SubjectKind
from merge.masking import masked
from merge.report import ReportQuery


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """What the document answers: the query (as the warrant and request name it) and the region's state."""

    region_code: str
    request_id: str
    warrant_id: str
    edition: Edition
    window_from: date
    window_to: date
    data_as_of: datetime
    covered_domains: tuple[str, ...]


def answer_subject(
    kind: SubjectKind, shown_identifier: str, name: str = "", status: SubjectStatus = SubjectStatus.NOT_REGISTERED
) -> AnswerSubject:
    """The subject as the region states it; ``shown_identifier`` is masked for a person."""
    return AnswerSubject(identifier=shown_identifier, kind=kind, name=name, status=status)


def build_document(context: AnswerContext, subject: AnswerSubject, records: Iterable[AnyRecord]) -> AnswerDocument:
    """The answer document of ``records`` (already filtered by the edition and masked) for ``context``."""
    return assemble_document(context, subject, [wire_record(record) for record in records])


def assemble_document(context: AnswerContext, subject: AnswerSubject, wire: list[WireRecord]) -> AnswerDocument:
    """The document around records already in their wire form: the one envelope both the model path and the
    node's row path (:mod:`merge.fast.answer_rows`) write, so that they cannot drift apart."""
    # The summary states the violations; licences are listed apart (they never count as records of a domain).
    counted = [record for record in wire if record.kind != "licence"]
    counts = Counter(record.domain for record in counted)
    return AnswerDocument(
        covered_domains=tuple(sorted(set(context.covered_domains))),
        data_as_of=context.data_as_of,
        edition=str(context.edition),
        edition_digest=context.edition.digest,
        edition_version=context.edition.version,
        records=grouped(wire),
        region_code=context.region_code,
        request_id=context.request_id,
        schema=SCHEMA,
        subject=subject,
        summary=AnswerSummary(count_by_domain=dict(counts), total=len(counted)),
        warrant_id=context.warrant_id,
        window=AnswerWindow(from_=context.window_from, to=context.window_to),
    )


def unsigned_answer(
    region_code: str,
    records: Iterable[AnyRecord],
    *,
    query: ReportQuery,
    covered: Iterable[str] = (),
    data_as_of: datetime,
    latency_ms: float = 0.0,
    subject_name: str = "",
    subject_status: SubjectStatus = SubjectStatus.NOT_REGISTERED,
    signer: str | None = None,
) -> RegionAnswer:
    """An answered region for samples and tests, as the broker holds it once read: ``records`` masked as a node
    masks them, covering ``covered`` and the domains of the records, answering ``query``. Its signature is
    empty: the merge never checks signatures (the gRPC client does, before an answer exists)."""
    shown = [masked(record) for record in records]
    domains = set(covered) | {record.domain for record in shown}
    context = AnswerContext(
        region_code, "req-1", "jti-1", query.edition, query.window_from, query.window_to, data_as_of,
        tuple(sorted(domains)),
    )  # fmt: skip
    subject = answer_subject(query.subject.kind, query.subject.masked, subject_name, subject_status)
    return answered(build_document(context, subject, shown), latency_ms=latency_ms, signer=signer)
