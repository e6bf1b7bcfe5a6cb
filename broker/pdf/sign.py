"""PAdES signatures on report PDFs (pyhanko), and their validation.

:func:`sign_pdf` adds one invisible signature (``/SubFilter /ETSI.CAdES.detached``, SHA-256, the broker's
certificate and its CA in the CMS) in an incremental update: the PDF/A-3b document as rendered stays byte for
byte at the start of the file, and pyhanko's invisible field (print flag set, no appearance needed) and its XMP
update keep the file PDF/A. The signature covers the whole file, so any changed byte breaks it.

The file stays PDF 1.7, as PDF/A-3 (ISO 19005-3, built on ISO 32000-1) and the XMP ``pdfaid`` claim require:
the signer key is ECDSA P-256 (or RSA), which PAdES baseline signatures on PDF 1.7 allow (ETSI EN 319 142-1,
algorithms per ETSI TS 119 312) and which desktop readers validate; the only extension declared is ESIC level 1,
PAdES on PDF 1.7. pyhanko would also declare ISO/TS 32002 for P-256, a PDF 2.0 extension, and raise the
catalog to ``/Version /2.0``; the signer here declares only what PDF 1.7 needs. EdDSA (Ed25519/Ed448)
exists for PDF signatures only in PDF 2.0, so such keys are refused when loaded (:func:`load_signer`).

:func:`check_pdf_signature` is what tests and the verify endpoint use: pyhanko's validator with a
:class:`~pyhanko_certvalidator.ValidationContext` that trusts only the given CA and never fetches revocation
data over the network.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broker.keys import KeyRing, check_pdf_signer_cert

if TYPE_CHECKING:
    from pyhanko.sign.signers import PdfSigner, Signer

FIELD_NAME = "jjj-report-signature"
_REASON = "京津冀公共信用信息报告 出具签章"
_LOCATION = "CN"


def load_signer(key: Path, cert: Path, ca_cert: Path) -> Signer:
    """A pyhanko ``SimpleSigner`` from PEM files (the CA certificate goes into the CMS as the chain).

    Raises :class:`~broker.keys.KeysUnusable` for a key a PDF 1.7 signature cannot use (see the module docstring).
    """
    from pyhanko.sign.signers import SimpleSigner

    check_pdf_signer_cert(cert)
    signer: SimpleSigner | None = SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(key), str(cert), ca_chain_files=(str(ca_cert),)
    )
    if signer is None:
        raise ValueError(f"could not load the PDF signing key {key} and certificate {cert}")
    return signer


@cache
def _pdf17_signer_class() -> type[PdfSigner]:
    """pyhanko's ``PdfSigner``, declaring only the PDF 1.7 extension PAdES needs (ESIC level 1)."""
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.sign.signers import PdfSigner
    from pyhanko.sign.signers.constants import ESIC_EXTENSION_1

    class Pdf17Signer(PdfSigner):
        def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
            # What pyhanko's own method does for a PAdES signature in a PDF 1.7 file, without the ISO/TS 32002
            # declaration it adds for ECDSA on the NIST curves (which needs PDF 2.0). EdDSA keys and SHA-3
            # digests, for which pyhanko declares PDF 2.0 extensions too, never get here (load_signer, sha256).
            pdf_out.ensure_output_version(version=(1, 7))  # type: ignore[no-untyped-call]
            pdf_out.register_extension(ESIC_EXTENSION_1)

    return Pdf17Signer


def sign_with(pdf: bytes, signer: Signer) -> bytes:
    """``pdf`` with a PAdES signature by an already loaded ``signer`` (see :func:`load_signer`).

    Blocking, and not callable inside an event loop: :class:`broker.pdf.pool.PdfRenderer` signs in its workers.
    """
    _not_in_event_loop("sign_pdf")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.signers import PdfSignatureMetadata

    metadata = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=_REASON,
        location=_LOCATION,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    _match_producer(writer)
    output = _pdf17_signer_class()(metadata, signer=signer).sign_pdf(writer)
    if writer.output_version > (1, 7):  # a pyhanko upgrade that declares more must not go unnoticed
        raise RuntimeError(f"signing raised the PDF version to {writer.output_version}; PDF/A-3 needs 1.7")
    signed: bytes = output.getvalue()
    return signed


def _match_producer(writer: Any) -> None:
    """Keep the Info dictionary equal to the XMP metadata, as PDF/A requires (ISO 19005-3 6.6.2.3.1).

    pyhanko rewrites the XMP ``pdf:Producer`` to its own name but appends its name to an existing Info
    ``/Producer``; setting the Info entry to pyhanko's name first makes the two agree.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    info = info_ref.get_object()
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.mark_update(info_ref)


def sign_pdf(pdf: bytes, keyring: KeyRing) -> bytes:
    """``pdf`` signed with the broker's PDF certificate from ``keyring``."""
    return sign_with(pdf, load_signer(keyring.signer_key, keyring.signer_cert, keyring.ca_cert))


@dataclass(frozen=True, slots=True)
class PdfSignatureCheck:
    """What pyhanko's validator said about the (single, last) signature of a PDF."""

    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    entire_file: bool = False
    signer: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """Intact, cryptographically valid, chaining to the trusted CA, and covering every byte of the file."""
        return self.signed and self.intact and self.valid and self.trusted and self.entire_file


def _not_in_event_loop(name: str) -> None:
    # pyhanko's synchronous entry points run their own event loop (asyncio.run), which fails inside ours.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"{name} blocks and cannot run inside an event loop; use its async variant")


def check_pdf_signature(pdf: bytes, ca_cert: Path) -> PdfSignatureCheck:
    """Validate the last signature of ``pdf`` against ``ca_cert``; never raises for a bad or unsigned PDF.

    Blocking (10-20 ms): from async code use :func:`check_pdf_signature_async`.
    """
    _not_in_event_loop("check_pdf_signature")
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature as pyhanko_validate
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(str(ca_cert))  # type: ignore[no-untyped-call]
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            return PdfSignatureCheck(signed=False, error="no signature")
        status = pyhanko_validate(signatures[-1], signer_validation_context=context)
    except Exception as exc:  # a damaged file: every parsing error means "not what was issued"
        return PdfSignatureCheck(signed=True, error=f"{type(exc).__name__}: {exc}"[:200])
    return PdfSignatureCheck(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        entire_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert is not None else "",
    )


async def check_pdf_signature_async(pdf: bytes, ca_cert: Path) -> PdfSignatureCheck:
    """:func:`check_pdf_signature` in a thread, for the verify endpoint: the event loop keeps running."""
    return await asyncio.to_thread(check_pdf_signature, pdf, ca_cert)


def validate_pdf_signature(pdf: bytes, ca_cert: Path) -> bool:
    """True when :func:`check_pdf_signature` finds the signature intact, valid, trusted and covering the file."""
    return check_pdf_signature(pdf, ca_cert).ok
