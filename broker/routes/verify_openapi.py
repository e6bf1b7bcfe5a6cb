"""OpenAPI descriptions of the verification and download endpoints (merged into ``/openapi.json``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ErrorRef = Callable[[str], dict[str, Any]]

_CODE_PARAM = {
    "name": "code",
    "in": "query",
    "required": True,
    "description": "the verification code, e.g. 7Q2M-K8WD-3N5P-XR4T-B (case, spaces and dashes do not matter)",
    "schema": {"type": "string"},
}
_REPORT_NO_PARAM = {"name": "report_no", "in": "path", "required": True, "schema": {"type": "string"}}

VERIFICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "certificate_usable"],
    "properties": {
        "status": {"enum": ["valid", "expired", "revoked", "suspended", "unknown"]},
        "certificate_usable": {
            "type": "boolean",
            "description": "true only for a valid, complete report: an incomplete one is never a certificate",
        },
        "complete": {"type": ["boolean", "null"]},
        "report_no": {"type": ["string", "null"]},
        "issued_at": {"type": ["string", "null"], "format": "date-time"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "edition": {"type": ["string", "null"]},
        "subject": {"type": ["string", "null"], "description": "masked: a resident ID shows 6 + 4 characters"},
        "digest": {"type": ["string", "null"], "description": "sha256: of the canonical JSON"},
        "pdf_digest": {"type": ["string", "null"], "description": "sha256: of the signed PDF, once downloaded"},
        "kid": {"type": ["string", "null"], "description": "the JWS signing key (see /.well-known/jwks.json)"},
        "match": {"type": "boolean", "description": "upload only: the file is what was issued"},
        "upload": {
            "type": "object",
            "properties": {
                "kind": {"enum": ["json", "pdf"]},
                "digest": {"type": "string"},
                "match": {"type": "boolean"},
                "detail": {"type": "string"},
            },
        },
    },
}


def _download(summary: str, media: str, error: ErrorRef) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [_REPORT_NO_PARAM, _CODE_PARAM],
            "responses": {
                "200": {
                    "description": "the original, decrypted with the code",
                    "headers": {
                        "X-Report-Digest": {"schema": {"type": "string"}},
                        "X-Report-Status": {"schema": {"enum": ["valid", "suspended"]}},
                    },
                    "content": {media: {}},
                },
                "404": error("no report with this number under this code"),
                "410": error("the report expired or was revoked; its content is no longer held"),
                "422": error("the code is malformed (field `code`); nothing was looked up"),
                "429": error("too many attempts for this client or report; see Retry-After"),
                "503": error("the store is unreachable"),
            },
        }
    }


def verification_paths(error: ErrorRef) -> dict[str, Any]:
    """Path items for ``/verify``, ``/v1/verify``, the downloads and the JWKS."""
    verification = {"application/json": {"schema": VERIFICATION_SCHEMA}}
    upload_form = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["code", "file"],
                "properties": {"code": {"type": "string"}, "file": {"type": "string", "format": "binary"}},
            }
        }
    }
    pdf = _download("The signed PDF (rendered and stored on the first download)", "application/pdf", error)
    pdf["get"]["responses"]["501"] = error("PDF rendering is not available on this broker")
    return {
        "/v1/verify": {
            "post": {
                "summary": "Verify a code, and optionally whether a file is exactly what was issued",
                "description": (
                    'JSON {"code": "…"}, or multipart form data with `code` and `file` (the PDF or the JSON). '
                    "A malformed code is refused with 422 before any lookup. Attempts are rate-limited per "
                    "client; over the limit the answer is 429 with Retry-After."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["code"],
                                "properties": {"code": {"type": "string"}},
                            }
                        },
                        **upload_form,
                    },
                },
                "responses": {
                    "200": {
                        "description": "the verification (status unknown when no report has this code)",
                        "content": verification,
                    },
                    "400": error("the body is neither a JSON object nor multipart form data"),
                    "413": error("the uploaded file is too large (field `file`)"),
                    "422": error("the code is malformed (field `code`) or the file is missing (field `file`)"),
                    "429": error("too many attempts; see Retry-After"),
                    "503": error("the store is unreachable"),
                },
            }
        },
        "/verify": {
            "get": {
                "summary": "Verification page (Chinese, HTML); the QR code on every report page links here",
                "parameters": [{**_CODE_PARAM, "required": False}],
                "responses": {
                    "200": {"description": "HTML"},
                    "422": {"description": "HTML: malformed code"},
                    "429": {"description": "HTML: too many attempts"},
                },
            },
            "post": {
                "summary": "Verification page: compare an uploaded file (HTML form)",
                "requestBody": {"required": True, "content": upload_form},
                "responses": {"200": {"description": "HTML"}, "413": {"description": "HTML: file too large"}},
            },
        },
        "/v1/reports/{report_no}.json": _download("The report's canonical JSON", "application/json", error),
        "/v1/reports/{report_no}.pdf": pdf,
        "/v1/reports/{report_no}/jws": _download(
            "The report's compact JWS (EdDSA, kid in the header; payload = canonical JSON)", "application/jose", error
        ),
        "/.well-known/jwks.json": {
            "get": {
                "summary": "Public keys of every key that has signed reports (RFC 7517); old keys stay after rotation",
                "responses": {"200": {"description": "JWKS", "content": {"application/json": {}}}},
            }
        },
    }


#: Extra response headers of ``POST /v1/reports``.
ISSUANCE_HEADERS: dict[str, Any] = {
    "X-Verification-Code": {
        "schema": {"type": "string"},
        "description": "shown once: whoever holds it can verify the report and download its originals",
    },
    "X-Verify-URL": {"schema": {"type": "string"}, "description": "the verification page for this code"},
    "X-Report-JWS-Kid": {"schema": {"type": "string"}, "description": "the key that signed the report's JWS"},
    "Link": {"schema": {"type": "string"}, "description": 'rel="alternate" type="application/jose": the JWS'},
}
