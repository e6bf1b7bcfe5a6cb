"""A region's signed part of a report: its answer document, verbatim, with the signature and certificate that make
it checkable by anyone holding the federation CA certificate.

In the report JSON (``regions[].answer``)::

    {"certificate": "<base64 DER>", "document": {…the answer document…}, "scheme": "jjj.region-answer-signature/1",
     "signature": "<base64>"}

The document is spliced in as a JSON value: its bytes are canonical JSON (:mod:`merge.answer_document`), so
``canonical_json_of(part["document"])`` gives back exactly the bytes the region signed. What is signed (the
scheme): Ed25519 over :func:`signed_header` of the document's SHA-256 (:mod:`adapters.answer_signing` signs,
:mod:`adapters.answer_verify` verifies).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from merge.canonical import canonical_json_of

SCHEME = "jjj.region-answer-signature/1"


def signed_header(document_sha256: bytes) -> bytes:
    """The bytes the region's key signs: canonical JSON naming the scheme and the document's SHA-256."""
    return b'{"document_sha256":"%s","schema":"%s"}' % (document_sha256.hex().encode(), SCHEME.encode())


def header_of(document: bytes) -> bytes:
    return signed_header(hashlib.sha256(document).digest())


@dataclass(frozen=True, slots=True, eq=True)
class SignedPart:
    """A region's answer document (canonical JSON bytes) with its signature and signing certificate (DER)."""

    document: bytes
    signature: bytes
    certificate: bytes
    scheme: str = SCHEME

    def to_json(self) -> dict[str, Any]:
        """The part as the report's JSON holds it (the document parsed: the readable path)."""
        return {**self._envelope(), "document": orjson.loads(self.document)}

    def to_fragments(self) -> dict[str, Any]:
        """The part for orjson with the document spliced in as it is (:class:`orjson.Fragment`): no re-encoding."""
        return {**self._envelope(), "document": orjson.Fragment(self.document)}

    def _envelope(self) -> dict[str, str]:
        return {
            "certificate": base64.b64encode(self.certificate).decode("ascii"),
            "scheme": self.scheme,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, value: Any) -> SignedPart:
        """The part from the report's JSON; the document is re-canonicalised (its signed bytes, if untouched)."""
        if not isinstance(value, dict) or set(value) != {"certificate", "document", "scheme", "signature"}:
            raise ValueError("answer: an object with certificate, document, scheme and signature")
        if not isinstance(value["document"], dict):
            raise ValueError("answer.document: must be an object")
        try:
            certificate = base64.b64decode(value["certificate"], validate=True)
            signature = base64.b64decode(value["signature"], validate=True)
        except (ValueError, TypeError):
            raise ValueError("answer: certificate and signature must be base64") from None
        if not isinstance(value["scheme"], str):
            raise ValueError("answer.scheme: must be a string")
        return cls(canonical_json_of(value["document"]), signature, certificate, value["scheme"])

    def __repr__(self) -> str:  # the document is record content: keep it out of reprs and logs
        return f"SignedPart({len(self.document)} bytes, scheme={self.scheme!r})"

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "object",
            "description": "the region's signed part: its answer document (jjj.region-answer/1) verbatim, the "
            "signature (base64) and the signing certificate (base64 DER); scheme " + SCHEME,
            "required": ["certificate", "document", "scheme", "signature"],
            "properties": {
                "certificate": {"type": "string", "contentEncoding": "base64"},
                "document": {"type": "object"},
                "scheme": {"type": "string"},
                "signature": {"type": "string", "contentEncoding": "base64"},
            },
        }

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def validate(value: Any) -> SignedPart:
            return value if isinstance(value, cls) else cls.from_json(value)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda part: part.to_json(), when_used="json"
            ),
        )
