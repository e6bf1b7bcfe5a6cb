"""Verification codes (核验码): 80 random bits a person can read aloud, type, and mistype safely.

A code is 16 data characters in Crockford's base32 alphabet (``0-9 A-Z`` without ``I L O U``: no letter can be
read as a digit) plus one check character, written ``XXXX-XXXX-XXXX-XXXX-C``. The data characters are
16 × 5 = 80 bits from :mod:`secrets`.

The check character is a Damm check (H. M. Damm, *Total anti-symmetrische Quasigruppen*, 2004) over the
quasigroup ``x ∘ y = α·x + y`` in GF(2⁵) (α = the field's generator, α ≠ 0, 1), which is totally
anti-symmetric. Appending ``c`` so that the running value ends at 0 therefore catches **every** single-character
substitution and **every** transposition of two adjacent characters, the check character included, and the
check character is itself in the alphabet (ISO 7064 MOD 37,36 and Crockford's mod-37 symbol both need characters
outside it: ``I L O U`` or ``* ~ $ =``). A malformed code is refused before any lookup.

:func:`lookup_id` is what the broker stores a report's metadata under: a hash of the code, never the code.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 16
GROUP = 4
#: Bits of randomness in a code.
ENTROPY_BITS = DATA_LENGTH * 5

_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
# Crockford's decoding rules: read O as 0 and I, L as 1; U is never produced, so it stays an error.
_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -\t\u3000\u2010\u2011\u2012\u2013\u2014\uff0d")
# x⁵ + x² + 1, a primitive polynomial of GF(2⁵).
_POLY = 0b100101
_LOOKUP_LABEL = b"jjj.verification-code.lookup/1\x00"


def _times_alpha(x: int) -> int:
    """``α·x`` in GF(2⁵): multiply by the generator, reduce by the primitive polynomial."""
    x <<= 1
    return x ^ _POLY if x & 0b100000 else x


def _step(interim: int, value: int) -> int:
    """The quasigroup operation ``interim ∘ value = α·interim + value`` (addition in GF(2⁵) is XOR)."""
    return _times_alpha(interim) ^ value


def check_character(data: str) -> str:
    """The check character for normalised data characters (no separators)."""
    interim = 0
    for symbol in data:
        interim = _step(interim, _VALUE[symbol])
    # The check c makes α·interim + c = 0, i.e. c = α·interim (characteristic 2: minus is plus).
    return ALPHABET[_times_alpha(interim)]


def _checks(compact: str) -> bool:
    interim = 0
    for symbol in compact:
        interim = _step(interim, _VALUE[symbol])
    return interim == 0


def format_code(compact: str) -> str:
    """``XXXXXXXXXXXXXXXXC`` → ``XXXX-XXXX-XXXX-XXXX-C``."""
    groups = [compact[i : i + GROUP] for i in range(0, DATA_LENGTH, GROUP)]
    return "-".join([*groups, compact[DATA_LENGTH:]])


def new_code() -> str:
    """A fresh code with 80 bits from :mod:`secrets`, grouped for reading."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return format_code(data + check_character(data))


def normalise(text: str) -> str:
    """Upper-case, drop spaces and dashes (ASCII and full-width), read ``O`` as ``0`` and ``I``/``L`` as ``1``.

    Returns the grouped form when the result has the right length, else the compact string as typed; only
    :func:`is_well_formed` says whether it is a code.
    """
    compact = text.strip().translate(_IGNORED).upper().translate(_READS_AS)
    if len(compact) == DATA_LENGTH + 1:
        return format_code(compact)
    return compact


def _compact(code: str) -> str:
    return normalise(code).replace("-", "")


def is_well_formed(code: str) -> bool:
    """True when ``code`` (in any accepted spelling) has the right length, alphabet and check character."""
    compact = _compact(code)
    return len(compact) == DATA_LENGTH + 1 and all(c in _VALUE for c in compact) and _checks(compact)


def lookup_id(code: str) -> str:
    """A hash of the normalised code: the key a report is found under. The code itself is never stored.

    An 80-bit code makes the hash infeasible to invert, so a copy of the store does not reveal codes.
    Raises ``ValueError`` for a malformed code, so that a typo can never reach a lookup.
    """
    if not is_well_formed(code):
        raise ValueError("not a well-formed verification code")
    return hashlib.sha256(_LOOKUP_LABEL + _compact(code).encode()).hexdigest()
