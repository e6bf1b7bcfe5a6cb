"""Why an original cannot be handed to a code holder."""

from __future__ import annotations

from broker.errors import ApiError


class ReportGone(ApiError):
    """The report existed but its content is no longer held (expired or revoked)."""

    status = 410
    code = "report_gone"


class PdfUnavailable(ApiError):
    status = 501
    code = "pdf_unavailable"
