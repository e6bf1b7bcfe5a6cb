"""What one region answered (or failed to answer) to one query: the input of the merge.

An answered region brings its signed part (:class:`merge.signed_part.SignedPart`: the answer document's bytes as
the region signed them) and that document read and checked (:func:`merge.answer_document.read_document`); the
gRPC client verifies the signature before it builds one (``adapters.answer_verify``). The merge reads the
document; the report embeds the part.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from merge.answer_document import AnswerDocument, encode_document, read_document
from merge.signed_part import SignedPart


class RegionStatus(StrEnum):
    ANSWERED = "answered"
    UNAVAILABLE = "unavailable"  # node down or unreachable
    TIMED_OUT = "timed_out"  # no complete answer within the request's deadline
    REFUSED = "refused"  # the node declined (e.g. warrant rejected), or its answer could not be authenticated
    ERROR = "error"  # the node failed or sent something we could not accept


class RegionAnswer(BaseModel):
    """One region's outcome. ``part`` and ``document`` are there exactly when the region ``answered``.

    ``error`` is a short operator-facing reason (a status name, a count mismatch) and never carries record
    content; ``signer`` is the subject of the certificate that signed the part. ``refusal`` is the cause a
    refusing node stated in machine form (:data:`adapters.channel_config.REFUSAL_METADATA`), e.g.
    ``not_listed``: the subject is not on the list an edition is restricted to.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region_code: str
    status: RegionStatus
    latency_ms: float = Field(ge=0)
    error: str | None = None
    part: SignedPart | None = None
    document: AnswerDocument | None = Field(default=None, repr=False)
    signer: str | None = None
    refusal: str | None = None

    @model_validator(mode="after")
    def _part_only_if_answered(self) -> Self:
        if self.answered != (self.part is not None and self.document is not None):
            raise ValueError("an answered region has its signed part and document, and no other has")
        if self.document is not None and self.document.region_code != self.region_code:
            raise ValueError("document: names another region")
        return self

    @property
    def answered(self) -> bool:
        return self.status is RegionStatus.ANSWERED

    @property
    def data_as_of(self) -> datetime | None:
        return None if self.document is None else self.document.data_as_of

    @property
    def covered_domains(self) -> frozenset[str]:
        return frozenset() if self.document is None else frozenset(self.document.covered_domains)

    @property
    def record_count(self) -> int:
        return 0 if self.document is None else self.document.summary.total


def answered(
    document: AnswerDocument,
    *,
    latency_ms: float = 0.0,
    signature: bytes = b"",
    certificate: bytes = b"",
    signer: str | None = None,
) -> RegionAnswer:
    """The answer holding ``document`` as a region would send it: encoded, then read back (and so checked) as the
    broker reads it. The signature is taken as given (verifying it is the gRPC client's: ``adapters.answer_verify``)."""
    data = encode_document(document)
    return RegionAnswer(
        region_code=document.region_code,
        status=RegionStatus.ANSWERED,
        latency_ms=latency_ms,
        part=SignedPart(data, signature, certificate),
        document=read_document(data),
        signer=signer,
    )
