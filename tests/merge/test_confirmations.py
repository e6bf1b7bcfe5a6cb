"""Department confirmations inside a region's answer document (:mod:`merge.confirmations`): every record has one,
about exactly its bytes; a decision carries a seal that verifies over the decision; nothing else is accepted —
even under a valid region signature, since the reader checks the document itself."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import msgspec
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from merge.answer_document import AnswerDocument, AnswerInvalid, encode_document, read_document
from merge.confirmations import (
    SEAL_SCHEME,
    WireConfirmation,
    WireSeal,
    final,
    key_fingerprint,
    record_digest,
    seal_statement,
)
from tests.merge.test_answer_document import _document, _penalty

REF = "JJJ-20261203-000007"
KEY = Ed25519PrivateKey.generate()


def _base() -> AnswerDocument:
    data = _document([_penalty(record_id="p-1"), _penalty(record_id="p-2", decision_no="津市监罚〔2024〕18号")])
    return msgspec.json.decode(data, type=AnswerDocument)


def _sealed(
    document: AnswerDocument, record: object, status: str = "confirmed", annotation: str = ""
) -> WireConfirmation:
    unsealed = WireConfirmation(
        annotation=annotation, authority_name="天津市滨海新区市场监督管理局", authority_uscc="11120116MB1744390L",
        decided_at=datetime(2026, 12, 3, 2, tzinfo=UTC), due_on=date(2026, 12, 10),
        record_id=record.record_id, record_sha256=record_digest(record), status=status,  # type: ignore[attr-defined,arg-type]
    )  # fmt: skip
    statement = seal_statement(
        unsealed, region_code=document.region_code, ref=REF, subject=document.subject.identifier,
        edition=document.edition,
    )  # fmt: skip
    raw = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    seal = WireSeal(key_id=key_fingerprint(raw), public_key=base64.b64encode(raw).decode(), scheme=SEAL_SCHEME,
                    signature=base64.b64encode(KEY.sign(statement)).decode())  # fmt: skip
    return msgspec.structs.replace(unsealed, seal=seal)


def _with(document: AnswerDocument, *items: WireConfirmation) -> bytes:
    return encode_document(msgspec.structs.replace(document, confirmation_ref=REF, confirmations=items))


def test_sealed_confirmations_of_every_record_are_read_back() -> None:
    document = _base()
    first, second = document.records.penalty
    read = read_document(_with(document, _sealed(document, first), _sealed(document, second, "annotated", "已整改")))
    assert [c.status for c in read.confirmations] == ["confirmed", "annotated"]
    assert final(read.confirmations)


def test_a_document_without_confirmations_keeps_its_bytes() -> None:
    # Editions without confirmation: the fields are left out, so every earlier document reads as it did.
    assert b"confirmation" not in encode_document(_base())


def _pending(document: AnswerDocument, record: object) -> WireConfirmation:
    return WireConfirmation(authority_name="某局", due_on=date(2026, 12, 10), record_id=record.record_id,  # type: ignore[attr-defined]
                            record_sha256=record_digest(record), status="pending")  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        ("forged_seal", "the department's seal does not verify"),
        ("other_status", "the department's seal does not verify"),
        ("other_record_bytes", "about other bytes than the record's"),
        ("missing", "a record without a confirmation"),
        ("twice", "confirmed twice"),
        ("unsealed_decision", "without a seal and a time"),
        ("sealed_pending", "yet sealed or decided"),
        ("empty_annotation", "annotated without an annotation"),
        ("other_key_id", "key_id is not its key's fingerprint"),
    ],
)
def test_a_confirmation_that_breaks_the_rules_refuses_the_document(mutate: str, reason: str) -> None:
    document = _base()
    first, second = document.records.penalty
    good = _sealed(document, first)
    replace = msgspec.structs.replace
    items = {
        "forged_seal": (replace(good, seal=replace(good.seal, signature=base64.b64encode(b"\0" * 64).decode())),
                        _pending(document, second)),
        "other_status": (replace(good, status="annotated", annotation="改"), _pending(document, second)),
        "other_record_bytes": (replace(good, record_sha256="0" * 64), _pending(document, second)),
        "missing": (good,),
        "twice": (good, good),
        "unsealed_decision": (replace(good, seal=None), _pending(document, second)),
        "sealed_pending": (good, replace(_pending(document, second), seal=good.seal)),
        "empty_annotation": (_sealed(document, first, "annotated", " "), _pending(document, second)),
        "other_key_id": (replace(good, seal=replace(good.seal, key_id="0" * 16)), _pending(document, second)),
    }[mutate]  # fmt: skip
    with pytest.raises(AnswerInvalid, match=reason):
        read_document(_with(document, *items))


def test_a_reference_without_confirmations_is_refused() -> None:
    document = _base()
    with pytest.raises(AnswerInvalid, match="no confirmation"):
        read_document(encode_document(msgspec.structs.replace(document, confirmation_ref=REF)))


def test_pending_is_not_final_and_expired_is() -> None:
    document = _base()
    first, _ = document.records.penalty
    assert not final((_pending(document, first),))
    assert final((msgspec.structs.replace(_pending(document, first), status="expired"),))
