"""Repair notices: recognised by another region only with the owning region's own signature."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from cryptography import x509

from adapters.answer_signing import AnswerSigner
from adapters.answer_verify import AnswerVerifier
from adapters.pki_layout import PkiLayout
from adapters.repair_notice import NoticeRefused, RepairNotice, encode_notice, read_notice, sign_notice
from merge.regions import Region

NOTICE = RepairNotice(
    Region.TIANJIN.code, "t" * 32, "penalty\x1f911100000000000000\x1f京罚〔2026〕1号", date(2026, 12, 2)
)


def _verifier(pki: PkiLayout) -> AnswerVerifier:
    return AnswerVerifier(x509.load_pem_x509_certificates(pki.ca_cert.read_bytes()))


def test_another_region_reads_the_owners_notice(pki: PkiLayout) -> None:
    document, signature = sign_notice(NOTICE, AnswerSigner.from_directory(pki, Region.TIANJIN))
    assert read_notice(document, signature, _verifier(pki), Region.BEIJING) == NOTICE


def test_refused_notices(pki: PkiLayout, foreign_pki: PkiLayout) -> None:
    signer = AnswerSigner.from_directory(pki, Region.TIANJIN)
    document, signature = sign_notice(NOTICE, signer)
    with pytest.raises(NoticeRefused, match="this region itself"):
        read_notice(document, signature, _verifier(pki), Region.TIANJIN)
    altered = encode_notice(replace(NOTICE, repaired_on=date(2020, 1, 1)))
    with pytest.raises(NoticeRefused, match="signature does not match"):
        read_notice(altered, signature, _verifier(pki), Region.BEIJING)
    # Hebei's key cannot speak for Tianjin, nor another CA's "Tianjin" for the federation's.
    claimed, by_hebei = encode_notice(NOTICE), sign_notice(NOTICE, AnswerSigner.from_directory(pki, Region.HEBEI))[1]
    with pytest.raises(NoticeRefused, match="region"):
        read_notice(claimed, by_hebei, _verifier(pki), Region.BEIJING)
    _, foreign = sign_notice(NOTICE, AnswerSigner.from_directory(foreign_pki, Region.TIANJIN))
    with pytest.raises(NoticeRefused):
        read_notice(document, foreign, _verifier(pki), Region.BEIJING)
    with pytest.raises(NoticeRefused, match=r"not a jjj\.repair-notice/1"):
        read_notice(b'{"schema":"jjj.region-answer/1"}', signature, _verifier(pki), Region.BEIJING)
