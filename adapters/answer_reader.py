"""Read one region's answer message — the document and its signature — into a checked :class:`RegionAnswer`.

The client never trusts the message (invariant 1: a region that sent garbage, or whose answer cannot be
authenticated, is never reported clean). In order, before anything reads the document:

1. the message is well formed: a document within :data:`MAX_DOCUMENT_BYTES` and a signature
   (:class:`ProtocolViolation`; gRPC itself refuses a message over the channel's receive limit);
2. the signature is the asked region's over exactly these bytes (:mod:`adapters.answer_verify`;
   :class:`~adapters.answer_verify.AnswerUnauthenticated`);
3. the document is a valid, canonical ``jjj.region-answer/1`` whose summary states its records
   (:func:`merge.answer_document.read_document`; :class:`~merge.answer_document.AnswerInvalid`);
4. it answers exactly what was asked: region, request id, warrant id, edition, window, subject
   (:class:`QueryMismatch` — a region's signed statement about another query is not an answer).

The client makes any of these the region's status ``refused``, with the reason.

Pure (no I/O): :class:`adapters.client.AdapterClient` gives it the message it received, and the benchmark the
message a node sends, so both measure and run the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.answer_verify import AnswerVerifier
from adapters.channel_config import MAX_ANSWER_BYTES
from merge.answer_document import AnswerDocument, read_document
from merge.answers import RegionAnswer, RegionStatus
from merge.editions import Edition
from merge.identifiers import Subject
from merge.regions import Region
from merge.signed_part import SignedPart
from protos.credit.v2 import adapter_pb2

#: Largest answer document accepted (a 10,000-record region answers about 3 MB).
MAX_DOCUMENT_BYTES = MAX_ANSWER_BYTES


class ProtocolViolation(Exception):
    """The answer message broke the protocol (the message says how; it never holds record content)."""


class QueryMismatch(Exception):
    """The signed document answers another query than the one asked."""


@dataclass(frozen=True, slots=True)
class Asked:
    """What the broker asked the region, which the signed document must repeat."""

    region: Region
    subject: Subject
    edition: Edition
    window_from: date
    window_to: date
    request_id: str
    warrant_id: str
    confirmation_ref: str = ""


class AnswerReader:
    """Checks one region's answer message against what was asked: :meth:`answer`."""

    def __init__(self, asked: Asked, verifier: AnswerVerifier) -> None:
        self.asked = asked
        self._verifier = verifier

    def answer(self, message: adapter_pb2.Answer) -> RegionAnswer:
        """The checked answer (``latency_ms`` 0: the caller knows the time it took)."""
        data = message.document
        if not data:
            raise ProtocolViolation("answer without a document")
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ProtocolViolation(f"answer document larger than {MAX_DOCUMENT_BYTES} bytes")
        if not message.HasField("signature"):
            raise ProtocolViolation("answer without a signature")
        signature = message.signature
        region = self.asked.region
        signer = self._verifier.verify(region, data, signature.scheme, signature.signature, signature.certificate)
        document = read_document(data)
        mismatch = mismatch_with(document, self.asked)
        if mismatch is not None:
            raise QueryMismatch(mismatch)
        return RegionAnswer(
            region_code=region.code,
            status=RegionStatus.ANSWERED,
            latency_ms=0.0,
            part=SignedPart(data, signature.signature, signature.certificate, signature.scheme),
            document=document,
            signer=signer,
        )


def mismatch_with(document: AnswerDocument, asked: Asked) -> str | None:
    """What of the query the document states otherwise, or ``None``."""
    checks = (
        ("region_code", document.region_code, asked.region.code),
        ("request_id", document.request_id, asked.request_id),
        ("warrant_id", document.warrant_id, asked.warrant_id),
        ("edition", document.edition, asked.edition),
        ("edition_version", document.edition_version, asked.edition.version),
        ("edition_digest", document.edition_digest, asked.edition.digest),
        ("window", (document.window.from_, document.window.to), (asked.window_from, asked.window_to)),
        ("subject", (document.subject.kind, document.subject.identifier), (asked.subject.kind, asked.subject.masked)),
        ("confirmation_ref", document.confirmation_ref or "", asked.confirmation_ref),
    )
    for name, stated, expected in checks:
        if stated != expected:
            return f"document {name} differs from the query"
    return None
