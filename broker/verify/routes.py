"""The routes of whoever holds a code: verification (API and page), downloads of the originals, the JWKS."""

from __future__ import annotations

from typing import Any

from broker.verify.downloads import download_json, download_jws, download_pdf
from broker.verify.views import jwks, verify_api, verify_page, verify_page_upload
from broker.web.openapi import error
from broker.web.routing import Route

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
        "reason": {"type": ["string", "null"], "description": "why the report is suspended (an objection)"},
        "match": {"type": "boolean", "description": "upload only: the file is what was issued"},
        "regions_verified": {
            "type": "boolean",
            "description": "upload only: every answered region's part in the file is that region's signed answer",
        },
        "regions": {
            "type": "array",
            "description": "upload only: each region's part checked against its region's key (the failing named)",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "status": {"type": "string"},
                    "verified": {"type": ["boolean", "null"]},
                    "reason": {"type": "string"},
                    "signed_by": {"type": ["string", "null"]},
                },
            },
        },
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


def _download(summary: str, media: str) -> dict[str, Any]:
    return {
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


_UPLOAD_FORM = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["code", "file"],
            "properties": {"code": {"type": "string"}, "file": {"type": "string", "format": "binary"}},
        }
    }
}
_VERIFY_API = {
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
                "schema": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}
            },
            **_UPLOAD_FORM,
        },
    },
    "responses": {
        "200": {
            "description": "the verification (status unknown when no report has this code)",
            "content": {"application/json": {"schema": VERIFICATION_SCHEMA}},
        },
        "400": error("the body is neither a JSON object nor multipart form data"),
        "413": error("the uploaded file is too large (field `file`)"),
        "422": error("the code is malformed (field `code`) or the file is missing (field `file`)"),
        "429": error("too many attempts; see Retry-After"),
        "503": error("the store is unreachable"),
    },
}
_VERIFY_PAGE = {
    "summary": "Verification page (Chinese, HTML); the QR code on every report page links here",
    "parameters": [{**_CODE_PARAM, "required": False}],
    "responses": {
        "200": {"description": "HTML"},
        "422": {"description": "HTML: malformed code"},
        "429": {"description": "HTML: too many attempts"},
    },
}
_VERIFY_UPLOAD = {
    "summary": "Verification page: compare an uploaded file (HTML form)",
    "requestBody": {"required": True, "content": _UPLOAD_FORM},
    "responses": {"200": {"description": "HTML"}, "413": {"description": "HTML: file too large"}},
}
_PDF = _download("The signed PDF (rendered and stored on the first download)", "application/pdf")
_PDF["responses"]["501"] = error("PDF rendering is not available on this broker")
_JWKS = {
    "summary": "Public keys of every key that has signed reports (RFC 7517); old keys stay after rotation",
    "responses": {"200": {"description": "JWKS", "content": {"application/json": {}}}},
}

ROUTES = (
    Route("POST", "/v1/verify", verify_api, _VERIFY_API),
    Route("GET", "/verify", verify_page, _VERIFY_PAGE),
    Route("POST", "/verify", verify_page_upload, _VERIFY_UPLOAD),
    Route(
        "GET",
        "/v1/reports/{report_no}.json",
        download_json,
        _download("The report's canonical JSON", "application/json"),
    ),
    Route("GET", "/v1/reports/{report_no}.pdf", download_pdf, _PDF),
    Route(
        "GET",
        "/v1/reports/{report_no}/jws",
        download_jws,
        _download("The report's compact JWS (EdDSA, kid in the header; payload = canonical JSON)", "application/jose"),
    ),
    Route("GET", "/.well-known/jwks.json", jwks, _JWKS),
)
