"""PAdES signatures: valid under pyhanko's validator and poppler's pdfsig, broken by any changed byte; the signed
file still declares and meets PDF 1.7 / PDF/A-3b (ECDSA P-256 needs no PDF 2.0 extension)."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from broker.keys import KeyRing, init_keys
from broker.pdf.sign import FIELD_NAME, check_pdf_signature, check_pdf_signature_async, sign_pdf, validate_pdf_signature
from merge.canonical import canonical_json
from tests.broker.pdf.conftest import Pdfsig, complete_report, nss_trusting, pdf_a_3b_problems


def test_signature_is_valid_trusted_and_covers_the_file(complete_pdf: bytes, pdf_keyring: KeyRing) -> None:
    signed = sign_pdf(complete_pdf, pdf_keyring)
    # An incremental update: the rendered document is kept byte for byte.
    assert signed.startswith(complete_pdf)
    check = check_pdf_signature(signed, pdf_keyring.ca_cert)
    assert check.intact
    assert check.valid
    assert check.trusted
    assert check.entire_file
    assert "jjj broker report signing" in check.signer
    assert validate_pdf_signature(signed, pdf_keyring.ca_cert)

    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    (signature,) = reader.embedded_signatures
    assert signature.field_name == FIELD_NAME
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_one_changed_byte_in_the_signed_range_fails(complete_pdf: bytes, pdf_keyring: KeyRing) -> None:
    signed = sign_pdf(complete_pdf, pdf_keyring)
    # Change one digit of the attached JSON's creation date: the file still parses, so it is the digest
    # that must catch it.
    position = signed.index(b"/CreationDate (D:2026")
    tampered = bytearray(signed)
    tampered[position + len("/CreationDate (D:202")] = ord("7")
    check = check_pdf_signature(bytes(tampered), pdf_keyring.ca_cert)
    assert check.signed
    assert not check.intact
    assert not check.ok
    # A flipped bit in compressed content (the page streams) fails as well.
    flipped = bytearray(signed)
    flipped[len(signed) // 3] ^= 0x01
    assert not validate_pdf_signature(bytes(flipped), pdf_keyring.ca_cert)


def test_unsigned_appended_or_foreign_pdf_fails(complete_pdf: bytes, pdf_keyring: KeyRing) -> None:
    assert not validate_pdf_signature(complete_pdf, pdf_keyring.ca_cert)
    assert check_pdf_signature(complete_pdf, pdf_keyring.ca_cert).error == "no signature"
    signed = sign_pdf(complete_pdf, pdf_keyring)
    # Bytes after the signed revision: the signature no longer covers the whole file.
    appended = check_pdf_signature(signed + b"\n% appended\n", pdf_keyring.ca_cert)
    assert appended.intact
    assert not appended.entire_file
    assert not appended.ok
    assert not validate_pdf_signature(b"not a pdf", pdf_keyring.ca_cert)


def test_signature_by_another_ca_is_not_trusted(complete_pdf: bytes, pdf_keyring: KeyRing, tmp_path: Path) -> None:
    other = init_keys(tmp_path / "other")
    signed = sign_pdf(complete_pdf, other)
    check = check_pdf_signature(signed, pdf_keyring.ca_cert)
    assert check.intact
    assert not check.trusted
    assert not check.ok
    assert validate_pdf_signature(signed, other.ca_cert)


def test_signing_keeps_pdf_a_identification_and_info_equal_to_xmp(complete_pdf: bytes, pdf_keyring: KeyRing) -> None:
    signed = sign_pdf(complete_pdf, pdf_keyring)
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    xmp = reader.root["/Metadata"].data.decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    producer = re.search(r'pdf:Producer="([^"]*)"|<pdf:Producer>([^<]*)<', xmp)
    assert producer is not None
    assert reader.trailer["/Info"]["/Producer"] == (producer[1] or producer[2])
    # The signature widget is printable and hidden from view, as PDF/A asks of annotations.
    (signature,) = reader.embedded_signatures
    flags = int(signature.sig_field["/F"])
    assert flags & 0b100  # print


async def test_blocking_calls_refuse_to_run_inside_the_event_loop(complete_pdf: bytes, pdf_keyring: KeyRing) -> None:
    with pytest.raises(RuntimeError, match="async variant"):
        check_pdf_signature(complete_pdf, pdf_keyring.ca_cert)
    with pytest.raises(RuntimeError, match="event loop"):
        sign_pdf(complete_pdf, pdf_keyring)
    signed = await asyncio.to_thread(sign_pdf, complete_pdf, pdf_keyring)
    assert (await check_pdf_signature_async(signed, pdf_keyring.ca_cert)).ok


def test_signed_file_stays_pdf_1_7_and_pdf_a_3b(complete_pdf: bytes, pdf_keyring: KeyRing, tmp_path: Path) -> None:
    attached = canonical_json(complete_report())
    assert pdf_a_3b_problems(complete_pdf, attached, tmp_path) == []
    signed = sign_pdf(complete_pdf, pdf_keyring)
    # pyhanko declares ISO/TS 32002 (a PDF 2.0 extension) for ECDSA on P-256 unless told not to, which
    # raised the catalog to /Version /2.0 under an XMP that claims PDF/A-3B.
    assert pdf_a_3b_problems(signed, attached, tmp_path) == []
    root = PdfFileReader(io.BytesIO(signed), strict=False).root
    assert root["/Extensions"]["/ESIC"]["/ExtensionLevel"] == 1  # PAdES, declared the PDF 1.7 way


def test_signature_is_ecdsa_p256_sha256_with_its_chain(complete_pdf: bytes, pdf_keyring: KeyRing) -> None:
    signed = sign_pdf(complete_pdf, pdf_keyring)
    (signature,) = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures
    signer_info = signature.signed_data["signer_infos"][0]
    assert signer_info["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    assert signature.signer_cert.public_key.curve == ("named", "secp256r1")
    subjects = {c.chosen.subject.native["common_name"] for c in signature.signed_data["certificates"]}
    assert subjects == {"jjj broker report signing", "jjj development CA"}


def test_pdfsig_validates_signature_and_chain(
    complete_pdf: bytes, pdf_keyring: KeyRing, pdfsig: Pdfsig, tmp_path: Path
) -> None:
    signed = sign_pdf(complete_pdf, pdf_keyring)
    out = pdfsig(signed, tmp_path)
    assert "Signature Field Name: jjj-report-signature" in out
    assert "Signer Certificate Common Name: jjj broker report signing" in out
    assert "Signing Hash Algorithm: SHA-256" in out
    assert "Signature Type: ETSI.CAdES.detached" in out
    assert "Total document signed" in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out


def test_pdfsig_rejects_a_changed_byte_and_an_untrusted_ca(
    complete_pdf: bytes, pdf_keyring: KeyRing, pdfsig: Pdfsig, tmp_path: Path
) -> None:
    signed = sign_pdf(complete_pdf, pdf_keyring)
    position = signed.index(b"/CreationDate (D:2026")
    tampered = bytearray(signed)
    tampered[position + len("/CreationDate (D:202")] = ord("7")
    assert "Signature Validation: Signature is Valid." not in pdfsig(bytes(tampered), tmp_path)
    # A reader that was not given our CA says so: pdfsig really checks the chain.
    untrusting = nss_trusting(tmp_path / "no-ca", None)
    assert "Certificate Validation: Certificate is Trusted." not in untrusting(signed, tmp_path)
    other = init_keys(tmp_path / "other")
    assert "Certificate Validation: Certificate is Trusted." not in pdfsig(sign_pdf(complete_pdf, other), tmp_path)
