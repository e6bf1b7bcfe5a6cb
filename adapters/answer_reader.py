"""Read one region's answer stream — document chunks, then one signature — into a checked :class:`RegionAnswer`.

The client never trusts the stream (invariant 1: a region that sent garbage, or whose answer cannot be
authenticated, is never reported clean). In order, before anything reads the document:

1. the stream is well formed: chunks, then exactly one signature, nothing after it, the document within
   :data:`MAX_DOCUMENT_BYTES` (:class:`StreamViolation`);
2. the signature is the asked region's over exactly these bytes (:mod:`adapters.answer_verify`;
   :class:`~adapters.answer_verify.AnswerUnauthenticated`);
3. the document is a valid, canonical ``jjj.region-answer/1`` whose summary states its records
   (:func:`merge.answer_document.read_document`; :class:`~merge.answer_document.AnswerInvalid`);
4. it answers exactly what was asked: region, request id, warrant id, edition, window, subject
   (:class:`QueryMismatch` — a region's signed statement about another query is not an answer).

The client makes any of these the region's status ``refused``, with the reason.

Pure (no I/O): :class:`adapters.client.AdapterClient` feeds it the messages as they arrive, and the benchmark
feeds it the bytes a node sends, so both measure and run the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.answer_verify import AnswerVerifier
from merge.answer_document import AnswerDocument, read_document
from merge.answers import RegionAnswer, RegionStatus
from merge.editions import Edition
from merge.identifiers import Subject
from merge.regions import Region
from merge.signed_part import SignedPart
from protos.credit.v2 import adapter_pb2

#: Largest answer document accepted (a 10,000-record region answers about 3 MB).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class StreamViolation(Exception):
    """The stream broke the protocol (the message says how; it never holds record content)."""


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
    """Feed :meth:`add` every message of one answer stream, in order, then call :meth:`answer`."""

    def __init__(self, asked: Asked, verifier: AnswerVerifier) -> None:
        self.asked = asked
        self._verifier = verifier
        self._chunks: list[bytes] = []
        self._size = 0
        self._signature: adapter_pb2.AnswerSignature | None = None

    def add(self, message: adapter_pb2.AnswerChunk) -> None:
        if self._signature is not None:
            raise StreamViolation("message after the signature")
        item = message.WhichOneof("item")
        if item == "document":
            self._size += len(message.document)
            if self._size > MAX_DOCUMENT_BYTES:
                raise StreamViolation(f"answer document larger than {MAX_DOCUMENT_BYTES} bytes")
            self._chunks.append(message.document)
        elif item == "signature":
            self._signature = message.signature
        else:
            raise StreamViolation("empty stream message")

    def answer(self) -> RegionAnswer:
        """The checked answer (``latency_ms`` 0: the caller knows the time it took)."""
        signature = self._signature
        if signature is None:
            raise StreamViolation("stream ended without a signature")
        data = b"".join(self._chunks)
        self._chunks = []
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
