"""Repair notices: "一处修复、全网通办" — the owning region's repair decision, recognised by every other region.

Design (issue 12): when a node approves a repair it states it in a notice, canonical JSON
``jjj.repair-notice/1`` — the region, the ticket, the decision's natural key (``penalty``, authority USCC or
name, decision number, as :attr:`merge.records.Penalty.dedup_key`), the repair date — signed with its
answer-signing key (:mod:`adapters.answer_signing`: the same Ed25519 key and certificate that sign its answers).
The broker fetches notices with the ticket status and relays them, unchanged, to the other nodes
(``ApplyRepairNotice``). A receiving node trusts the *signature*, not the broker: the certificate must chain to
the federation CA and name the region the notice claims (:class:`adapters.answer_verify.AnswerVerifier`), and a
node never applies its own region's notice. It then marks its own copy (same natural key) repaired — nothing else.
A broker can withhold a notice (the copy stays unrepaired, as before) but not forge or alter one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from adapters.answer_signing import AnswerSignature, AnswerSigner
from adapters.answer_verify import AnswerUnauthenticated, AnswerVerifier
from merge.regions import Region

SCHEMA = "jjj.repair-notice/1"


class NoticeRefused(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RepairNotice:
    region_code: str
    ticket_id: str
    dedup_key: str
    repaired_on: date


def encode_notice(notice: RepairNotice) -> bytes:
    body = {
        "dedup_key": notice.dedup_key, "region_code": notice.region_code, "repaired_on": notice.repaired_on.isoformat(),
        "schema": SCHEMA, "ticket_id": notice.ticket_id,
    }  # fmt: skip
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign_notice(notice: RepairNotice, signer: AnswerSigner) -> tuple[bytes, AnswerSignature]:
    document = encode_notice(notice)
    return document, signer.sign(document)


def read_notice(document: bytes, signature: AnswerSignature, verifier: AnswerVerifier, here: Region) -> RepairNotice:
    """The notice if its signature is its region's and it is another region's; :class:`NoticeRefused` otherwise."""
    try:
        body = json.loads(document)
        if not isinstance(body, dict) or body.get("schema") != SCHEMA:
            raise NoticeRefused("notice: not a jjj.repair-notice/1 document")
        notice = RepairNotice(
            str(body["region_code"]), str(body["ticket_id"]), str(body["dedup_key"]),
            date.fromisoformat(str(body["repaired_on"])),
        )  # fmt: skip
        region = Region.from_code(notice.region_code)
    except NoticeRefused:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise NoticeRefused(f"notice: malformed ({type(exc).__name__})") from None
    if encode_notice(notice) != document:
        raise NoticeRefused("notice: not in canonical form")
    if region is here:
        raise NoticeRefused("notice: from this region itself")
    try:
        verifier.verify(region, document, signature.scheme, signature.signature, signature.certificate)
    except AnswerUnauthenticated as exc:
        raise NoticeRefused(f"notice: {exc}") from None
    return notice
