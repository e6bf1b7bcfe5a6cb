"""The audit log's vocabulary and entries: what an entry holds, how it is hashed, and how it is read back.

An entry holds time, actor, action, subject (masked) and ``subject_key`` (an HMAC of the identifier,
:func:`consent.accounts.subject_ref`, so a subject's entries can be found without storing its identifier), grant,
grantee, purpose, outcome, request id, a few short ``detail`` strings, its sequence number ``seq`` (1, 2, …) and
``prev``, the hash of the entry before it (:data:`GENESIS` for the first). ``hash`` = SHA-256 of the entry's
canonical JSON (sorted keys, no spaces, UTF-8), which includes ``prev`` and ``seq``: changing, removing or moving
any entry breaks the chain after it. Never record content; resident-ID-shaped values are masked before hashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from merge.identifiers import InvalidIdentifier, mask_resident_id, validate_resident_id

GENESIS = "0" * 64
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


class Action:
    """The actions the broker records (a vocabulary; ``append`` takes any short string)."""

    REPORT_ISSUE = "report.issue"
    REPORT_VERIFY = "report.verify"
    REPORT_LOOKUP = "report.lookup"  # a report verified or downloaded by its code: shown to its subject
    CONSENT_GRANT = "consent.grant"
    CONSENT_PAUSE = "consent.pause"
    CONSENT_RESUME = "consent.resume"
    CONSENT_REVOKE = "consent.revoke"
    TOKEN_ISSUE = "token.issue"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKE = "token.revoke"  # noqa: S105


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as stored (``id`` is its stream id)."""

    id: str
    seq: int
    time: str
    actor: str
    action: str
    subject: str
    subject_key: str
    grant: str
    grantee: str
    purpose: str
    outcome: str
    request_id: str
    prev: str
    hash: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed chain head: ``jws`` is compact, its payload ``{"seq", "hash", "id", "time"}``."""

    seq: int
    hash: str
    jws: str


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def scrub(value: str) -> str:
    """``value`` with every valid resident ID in it masked (a defence: callers should never pass one)."""

    def mask(match: re.Match[str]) -> str:
        try:
            return mask_resident_id(validate_resident_id(match.group(0)))
        except InvalidIdentifier:
            return match.group(0)

    return _RESIDENT_ID.sub(mask, value)


def stream_rows(raw: Any) -> list[tuple[str, dict[bytes, bytes]]]:
    """XRANGE/XREVRANGE replies with the client's loose types narrowed (the broker's client returns bytes)."""
    return [
        (stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id), dict(fields or {}))
        for stream_id, fields in raw or []
    ]


def parse_entry(stream_id: str, fields: Mapping[bytes, bytes]) -> AuditEntry:
    """An entry from its stream fields (``ValueError``/``KeyError`` when malformed)."""
    body = json.loads(fields[b"entry"])
    detail = body.pop("detail", {})
    return AuditEntry(id=stream_id, hash=fields[b"hash"].decode(), detail=dict(detail), **body)
