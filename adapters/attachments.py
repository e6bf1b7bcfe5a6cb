"""Ticket attachments: PDF, PNG or JPEG only, recognised by their magic bytes (never by name or declared type).

Limits: :data:`MAX_ATTACHMENT_BYTES` each, :data:`MAX_ATTACHMENTS` per ticket. A broker enforces the same limits
before streaming; the node checks again because it is the one that keeps the files.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ATTACHMENT_BYTES = 1024 * 1024
MAX_ATTACHMENTS = 3
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
MEDIA_TYPES = frozenset(media for _, media in _MAGIC)


class AttachmentRefused(ValueError):
    """The attachment is not acceptable; the message names it and why."""


@dataclass(frozen=True, slots=True)
class CheckedAttachment:
    filename: str
    media_type: str
    content: bytes


def sniff(content: bytes) -> str | None:
    """The media type the magic bytes say, or None."""
    for magic, media in _MAGIC:
        if content.startswith(magic):
            return media
    return None


def check_attachment(index: int, filename: str, content: bytes) -> CheckedAttachment:
    """The attachment with its media type from its bytes; :class:`AttachmentRefused` naming ``attachments[i]``."""
    name = f"attachments[{index}]"
    if not content:
        raise AttachmentRefused(f"{name}: empty file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(f"{name}: larger than {MAX_ATTACHMENT_BYTES // 1024} KiB")
    media = sniff(content)
    if media is None:
        raise AttachmentRefused(f"{name}: not a PDF, PNG or JPEG file")
    clean = "".join(ch for ch in filename if ch.isprintable() and ch not in "/\\")[:200] or "attachment"
    return CheckedAttachment(clean, media, content)


def check_attachments(items: list[tuple[str, bytes]]) -> list[CheckedAttachment]:
    if len(items) > MAX_ATTACHMENTS:
        raise AttachmentRefused(f"attachments: at most {MAX_ATTACHMENTS}")
    return [check_attachment(i, name, content) for i, (name, content) in enumerate(items)]
