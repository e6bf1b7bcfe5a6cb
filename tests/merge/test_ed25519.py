"""libsodium's Ed25519 (merge.ed25519) against cryptography's: the same signatures, the same verdicts."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from merge.ed25519 import SIGN_SMALL_MAX, VERIFY_SMALL_MAX, Ed25519Signer, Ed25519Verifier, signer_for, verifier_for

SIZES = [0, 1, 100, SIGN_SMALL_MAX, SIGN_SMALL_MAX + 1, VERIFY_SMALL_MAX, VERIFY_SMALL_MAX + 1]


@pytest.mark.parametrize("size", SIZES)
def test_signatures_are_the_bytes_cryptography_makes(size: int) -> None:
    key = Ed25519PrivateKey.generate()
    message = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert Ed25519Signer(key).sign(message) == key.sign(message)


@pytest.mark.parametrize("size", SIZES)
def test_what_cryptography_signs_verifies_and_a_changed_byte_does_not(size: int) -> None:
    key = Ed25519PrivateKey.generate()
    message = b"m" * size
    signature = key.sign(message)
    verifier = Ed25519Verifier(key.public_key())
    verifier.verify(signature, message)
    changed = bytes([signature[0] ^ 1]) + signature[1:]
    with pytest.raises(InvalidSignature):
        verifier.verify(changed, message)
    if size:
        with pytest.raises(InvalidSignature):
            verifier.verify(signature, b"n" + message[1:])


def test_another_keys_signature_and_a_short_one_are_refused() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    verifier = Ed25519Verifier(key.public_key())
    with pytest.raises(InvalidSignature):
        verifier.verify(other.sign(b"warrant"), b"warrant")
    with pytest.raises(InvalidSignature):
        verifier.verify(key.sign(b"warrant")[:63], b"warrant")


def test_the_cached_signer_and_verifier_are_per_key() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    assert signer_for(key) is signer_for(key)
    assert signer_for(key) is not signer_for(other)
    assert signer_for(other).sign(b"x") == other.sign(b"x")
    verifier_for(other.public_key()).verify(other.sign(b"x"), b"x")
    with pytest.raises(InvalidSignature):
        verifier_for(key.public_key()).verify(other.sign(b"x"), b"x")
