"""Where a page may send the browser next: a local path only, never an open redirect.

``next`` targets are checked after the normalisation a browser applies to a URL (WHATWG URL parsing): leading
and trailing C0 controls and spaces stripped, tabs and newlines removed anywhere, ``\\`` read as ``/``. The
percent-decoded form is checked too, so no encoding hides a second slash or a backslash. What is sent is the
checked string itself.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _as_browser_reads(value: str) -> str:
    return _TAB_NEWLINE.sub("", value.strip(_C0_AND_SPACE)).replace("\\", "/")


def _is_local(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def local_path(value: str | None, default: str = "/account") -> str:
    """``value`` when a browser would take it to a path on this site, else ``default``."""
    if not value or len(value) > 2048 or value != value.strip() or _CONTROL.search(value) or "\\" in value:
        return default
    decoded = unquote(value)
    if not _is_local(_as_browser_reads(value)) or not _is_local(_as_browser_reads(decoded)):
        return default
    if _CONTROL.search(decoded) or "\\" in decoded:
        return default
    return value
