"""PAdES signatures: valid under pyhanko's validator, broken by any changed byte, PDF/A metadata kept consistent."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from broker.keys import KeyRing, init_keys
from broker.pdf.sign import FIELD_NAME, check_pdf_signature, check_pdf_signature_async, sign_pdf, validate_pdf_signature


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
