"""Ed25519 signing and verifying with libsodium (PyNaCl) on the paths every report takes.

``cryptography`` stays the library keys are generated, loaded, stored and published with. Its Ed25519 (OpenSSL)
verifies at half libsodium's speed here — measured on this machine (Xeon, best of 5 × 500): a 100-byte message
verifies in ~130 µs against ~65 µs, 600 bytes in ~135 µs against ~105 µs — and signs short messages a third
slower (100 bytes: ~39 µs against ~25 µs). The broker verifies three region answers per report and signs three
warrants; each node verifies a warrant and signs an answer's 100-byte header. Ed25519 is deterministic (RFC 8032),
so both libraries make the same signature bytes (``tests/merge/test_ed25519.py`` checks it); libsodium's
verification is the stricter one (it also refuses small-order keys and points).

Long messages go to ``cryptography``: PyNaCl offers only the combined form (signature + message in one buffer),
which copies the message, and libsodium's SHA-512 is the slower one where hashing is the cost (a 14 kB report
signs in ~85–125 µs with ``cryptography``, ~95–160 µs with libsodium). Hence two limits, one per operation.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

SIGNATURE_BYTES = 64
#: Messages up to this many bytes are signed by libsodium (warrants, answer headers); longer ones (reports) not.
SIGN_SMALL_MAX = 2048
#: Messages up to this many bytes are verified by libsodium; longer ones by ``cryptography`` (no copy).
VERIFY_SMALL_MAX = 256 * 1024


class Ed25519Signer:
    """Signs with one private key; the same signatures as ``key.sign``."""

    __slots__ = ("_key", "_secret")

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        _public, self._secret = crypto_sign_seed_keypair(key.private_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        if len(message) > SIGN_SMALL_MAX:
            return self._key.sign(message)
        return crypto_sign(message, self._secret)[:SIGNATURE_BYTES]


class Ed25519Verifier:
    """Verifies against one public key; raises ``cryptography``'s :class:`InvalidSignature` like ``key.verify``."""

    __slots__ = ("_key", "_public")

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self._public = key.public_bytes_raw()

    def verify(self, signature: bytes, message: bytes) -> None:
        if len(signature) != SIGNATURE_BYTES:
            raise InvalidSignature
        if len(message) > VERIFY_SMALL_MAX:
            self._key.verify(signature, message)
            return
        try:
            crypto_sign_open(signature + message, self._public)
        except BadSignatureError:
            raise InvalidSignature from None


def signer_for(key: Ed25519PrivateKey) -> Ed25519Signer:
    """The signer of ``key``, made once per key (by its raw bytes: ``cryptography`` keys are not hashable)."""
    return _signer_of(key.private_bytes_raw())


def verifier_for(key: Ed25519PublicKey) -> Ed25519Verifier:
    """The verifier of ``key``, made once per key."""
    return _verifier_of(key.public_bytes_raw())


@lru_cache(maxsize=64)
def _signer_of(raw: bytes) -> Ed25519Signer:
    return Ed25519Signer(Ed25519PrivateKey.from_private_bytes(raw))


@lru_cache(maxsize=64)
def _verifier_of(raw: bytes) -> Ed25519Verifier:
    return Ed25519Verifier(Ed25519PublicKey.from_public_bytes(raw))
