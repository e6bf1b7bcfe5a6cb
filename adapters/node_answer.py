"""What a node answers to one accepted query: its answer document, built, masked and signed (protocol v2).

Minimise at the source (invariant 4): only records the edition shows (:func:`merge.edition_rules.shows` with
``as_of = window_to``) in domains the node covers go in, every full resident ID in them masked
(:func:`merge.masking.masked`; a person's own identifier is stated masked): the broker can no longer change a signed
part. The subject is stated as the region's register knows it (:mod:`adapters.subject_register`), else as its
newest record names it. The document names the query it answers — request id, the warrant's ``jti``, edition,
window — so a signed answer cannot be replayed as the answer to another query.

Fast path: from a source that reads plain rows (:class:`RowSource`, the SQL store) no record model is built —
:func:`adapters.row_rules.row_filter` decides, :func:`merge.fast.answer_rows.masked_row` masks and
:func:`merge.fast.answer_rows.document_from_rows` builds the same document (the same bytes; tests hold them
together). Models cost about half the node's query-path CPU for a dozen records (bench/node_bench.py).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import msgspec

from adapters.answer_signing import AnswerSignature, AnswerSigner
from adapters.confirmations import ConfirmationStore
from adapters.convert import QueryScope
from adapters.record_rows import RecordRow
from adapters.row_rules import row_filter
from merge.answer_builder import AnswerContext, answer_subject, build_document
from merge.answer_document import AnswerDocument, AnswerSubject, SubjectStatus, encode_document
from merge.edition_rules import AnyRecord, shows
from merge.fast.answer_rows import Row, document_from_rows, masked_row
from merge.identifiers import Subject
from merge.masking import masked
from merge.regions import Region

if TYPE_CHECKING:
    from adapters.server import RecordSource, SubjectRegister


class ConfirmationsUnavailable(Exception):
    """The edition needs department confirmation and this node has no confirmation store."""


@runtime_checkable
class RowSource(Protocol):
    """A record source that also reads pages of plain rows (:meth:`adapters.store.SqlRecordStore.query_rows`)."""

    def query_rows(self, subject: Subject, window_from: date, window_to: date) -> AsyncIterator[list[RecordRow]]: ...


class AnswerMaker:
    """Builds and signs one region's answers; ``signer=None`` leaves them unsigned (brokers refuse them)."""

    def __init__(
        self,
        source: RecordSource,
        region: Region,
        covered: Sequence[str],
        signer: AnswerSigner | None,
        register: SubjectRegister,
        confirmations: ConfirmationStore | None = None,
    ) -> None:
        self._confirmations = confirmations  # None: an edition needing department confirmation is refused
        self._source = source
        self._rows = source if isinstance(source, RowSource) else None  # the fast path's source (docstring)
        self._region = region
        self._covered = frozenset(covered)
        self._covered_order = tuple(covered)
        self._signer = signer
        self._register = register

    async def make(self, scope: QueryScope, warrant: bytes) -> tuple[bytes, AnswerSignature, int]:
        """The signed answer to ``scope`` (whose ``warrant`` the node accepted): the document's bytes, their
        signature, and how many records it holds."""
        if self._rows is not None:
            rows = await self._shown_rows(self._rows, scope)
            name = rows[0]["subject_name"] if rows else ""
            context, stated = await self._context(scope, _warrant_id(warrant), name)
            document, count = document_from_rows(context, stated, rows), len(rows)
        else:
            records = await self._shown(scope)
            document, count = await self._document(scope, _warrant_id(warrant), records), len(records)
        if scope.confirmation_ref:
            document = await self._confirmed(scope, document)
        data = encode_document(document)
        return data, self._sign(data), count

    async def _confirmed(self, scope: QueryScope, document: AnswerDocument) -> AnswerDocument:
        """The document with each record's department confirmation under the query's reference."""
        if self._confirmations is None:
            raise ConfirmationsUnavailable("this node takes no department confirmations")
        stated = await self._confirmations.state(
            scope.confirmation_ref, scope.subject, document.edition, document.records.all()
        )
        return msgspec.structs.replace(document, confirmation_ref=scope.confirmation_ref, confirmations=stated)

    async def _shown_rows(self, source: RowSource, scope: QueryScope) -> list[Row]:
        """:meth:`_shown` on rows: the same records, in the same order, as plain rows."""
        sent = row_filter(scope.edition, scope.window_to, self._covered)
        pages = source.query_rows(scope.subject, scope.window_from, scope.window_to)
        shown: list[Row] = []
        try:
            async for page in pages:
                shown += [masked_row(row) for row in page if sent(row)]
        finally:
            aclose = getattr(pages, "aclose", None)
            if aclose is not None:
                await aclose()
        return shown

    async def _context(self, scope: QueryScope, warrant_id: str, name: str) -> tuple[AnswerContext, AnswerSubject]:
        """What the document answers, and the subject as registered here (else named ``name``, the newest record's).
        The register and the data's date are read together: two round trips in the time of one."""
        subject = scope.subject
        registered, data_as_of = await asyncio.gather(self._register.lookup(subject), self._source.data_as_of())
        if registered is not None:
            stated = answer_subject(subject.kind, subject.masked, registered.name, registered.status)
        else:
            stated = answer_subject(subject.kind, subject.masked, name, SubjectStatus.NOT_REGISTERED)
        context = AnswerContext(
            region_code=self._region.code, request_id=scope.request_id, warrant_id=warrant_id,
            edition=scope.edition, window_from=scope.window_from, window_to=scope.window_to,
            data_as_of=data_as_of, covered_domains=self._covered_order,
        )  # fmt: skip
        return context, stated

    async def _shown(self, scope: QueryScope) -> list[AnyRecord]:
        """The records the edition shows in covered domains, every full resident ID in them masked."""
        records = self._source.query(scope.subject, scope.window_from, scope.window_to)
        shown: list[AnyRecord] = []
        try:
            async for record in records:
                if record.domain in self._covered and shows(record, scope.edition, as_of=scope.window_to):
                    shown.append(masked(record))
        finally:
            # Return the store's connections now, also when the call was cancelled mid-stream.
            aclose = getattr(records, "aclose", None)
            if aclose is not None:
                await aclose()
        return shown

    async def _document(self, scope: QueryScope, warrant_id: str, records: list[AnyRecord]) -> AnswerDocument:
        """The answer document: the subject as registered here (else as its newest record names it)."""
        subject = scope.subject
        registered = await self._register.lookup(subject)
        if registered is not None:
            stated = answer_subject(subject.kind, subject.masked, registered.name, registered.status)
        else:
            name = records[0].subject_name if records else ""
            stated = answer_subject(subject.kind, subject.masked, name, SubjectStatus.NOT_REGISTERED)
        context = AnswerContext(
            region_code=self._region.code, request_id=scope.request_id, warrant_id=warrant_id,
            edition=scope.edition, window_from=scope.window_from, window_to=scope.window_to,
            data_as_of=await self._source.data_as_of(), covered_domains=self._covered_order,
        )  # fmt: skip
        return build_document(context, stated, records)

    def _sign(self, document: bytes) -> AnswerSignature:
        if self._signer is None:
            return AnswerSignature("", b"", b"")
        return self._signer.sign(document)


def _warrant_id(warrant: bytes) -> str:
    """The ``jti`` of a warrant the verifier accepted (its payload, read after the signature was checked), or
    ``""`` when there is none (a node serving without warrant checks)."""
    try:
        payload = warrant.split(b".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return ""
    jti = claims.get("jti") if isinstance(claims, dict) else None
    return jti if isinstance(jti, str) else ""
