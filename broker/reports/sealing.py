"""Sealing a report's content under its verification code: AES-256-GCM with a key HKDF-derived from the code.

``lookup_id`` (:func:`merge.verification_code.lookup_id`) is a hash of the code; the encryption key is
HKDF-SHA256(code, per-report random salt) — a separate derivation, so the stored lookup id says nothing about the
key. The code carries 80 random bits, so a slow KDF (scrypt) would add nothing against brute force. Each
ciphertext's associated data binds it to its lookup id and field, so blobs cannot be swapped.
"""

from __future__ import annotations

import os
import zlib

import zstandard
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from merge.verification_code import normalise

_KDF_INFO = b"jjj.report-snapshot/1 aes-256-gcm"
_NONCE_BYTES = 12
# The canonical JSON is compressed before it is encrypted: a 10,000-record report is ~10 MB of very repetitive
# JSON, so its ciphertext (and the copies redis-py and the socket make of it) shrinks about tenfold. Zstandard at
# level 1: for that report 12 ms and 1.0 MB where zlib's fastest level took 46 ms for 1.5 MB (and opening it 9 ms
# instead of 31), which was the largest single cost of issuing it. The encoding is named in the data hash and
# bound into the associated data, so it cannot be swapped either; snapshots stored deflated, or uncompressed
# (no encoding), are read as before.
ENCODING_FIELD = "json_encoding"
ZSTD = "zstd"
DEFLATE = "deflate"  # read only: what snapshots were stored with before zstd
_ZSTD_LEVEL = 1  # fastest of the regular levels: the gain is in the size of repetitive JSON, not the last percent
_TAG_BYTES = 16


def as_bytes(value: bytes | str) -> bytes:
    # The client is opened with decode_responses=False; redis-py's types allow str as well.
    return value if isinstance(value, bytes) else value.encode()


def _key(code: str, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_KDF_INFO).derive(normalise(code).encode())


def seal(code: str, salt: bytes, label: str, plaintext: bytes) -> bytearray:
    """``nonce || AES-256-GCM(plaintext)`` under the code's key; ``label`` is the associated data.

    Encrypted straight into one buffer of the final size: a large report costs one ciphertext, not two.
    """
    nonce = os.urandom(_NONCE_BYTES)
    blob = bytearray(_NONCE_BYTES + len(plaintext) + _TAG_BYTES)
    blob[:_NONCE_BYTES] = nonce
    with memoryview(blob) as view:
        AESGCM(_key(code, salt)).encrypt_into(nonce, plaintext, label.encode(), view[_NONCE_BYTES:])
    return blob


def unseal(code: str, salt: bytes, label: str, blob: bytes | bytearray) -> bytes:
    """Inverse of :func:`seal`; raises ``cryptography.exceptions.InvalidTag`` for any other code or label."""
    with memoryview(blob) as view:  # slices of a view: the ciphertext is not copied before decryption
        return AESGCM(_key(code, salt)).decrypt(view[:_NONCE_BYTES], view[_NONCE_BYTES:], label.encode())


def seal_json(code: str, salt: bytes, lid: str, canonical: bytes) -> bytearray:
    """The canonical JSON compressed (:data:`ZSTD`), then sealed (the encoding is bound into the associated data)."""
    # A compressor per call: a ZstdCompressor holds a context that is not safe to share between threads.
    packed = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress(canonical)
    return seal(code, salt, f"{lid}:json+{ZSTD}", packed)


def unseal_json(code: str, salt: bytes, lid: str, blob: bytes, encoding: bytes | None) -> bytes:
    """Inverse of :func:`seal_json`; a snapshot stored deflated, or before compression (no encoding), is read as it
    was. Raises ``ValueError`` for an encoding this broker does not know."""
    if encoding is None:
        return unseal(code, salt, f"{lid}:json", blob)
    if encoding == ZSTD.encode():
        # The frame states its size (compress() writes it): decompressed in one allocation of that size.
        return zstandard.ZstdDecompressor().decompress(unseal(code, salt, f"{lid}:json+{ZSTD}", blob))
    if encoding == DEFLATE.encode():
        return zlib.decompress(unseal(code, salt, f"{lid}:json+{DEFLATE}", blob))
    raise ValueError(f"snapshot {lid}: unknown json encoding")
