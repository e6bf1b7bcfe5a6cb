"""Department seal keys (电子印章) at a node: one Ed25519 key per department, its private half a PEM file in the
node's seal directory (``--seal-dir`` / ``$JJJ_ADAPTER_SEAL_DIR``), its public half and id in ``departments``.

``jjj adapter department add`` makes the key (the file written with mode 0600, never overwritten) and registers the
department; :meth:`SealKeys.sign` seals a decision (:func:`merge.confirmations.seal_statement`). A department
whose key file is missing cannot seal: its staff are told so, and nothing is stated as confirmed.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from merge.confirmations import SEAL_SCHEME, WireSeal, key_fingerprint

SEAL_DIR_ENV = "JJJ_ADAPTER_SEAL_DIR"


class SealKeyMissing(ValueError):
    """The department's seal key file is not in the seal directory (or unreadable)."""


@dataclass(frozen=True, slots=True)
class NewSealKey:
    key_id: str
    public_key: str  # base64 of the raw key


class SealKeys:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key_id: str) -> Path:
        return self.directory / f"seal-{key_id}.pem"

    def create(self) -> NewSealKey:
        """A new key, written to the seal directory (created 0700 if missing)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        key_id = key_fingerprint(raw)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(self._path(key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return NewSealKey(key_id, base64.b64encode(raw).decode())

    def sign(self, key_id: str, statement: bytes) -> WireSeal:
        try:
            key = serialization.load_pem_private_key(self._path(key_id).read_bytes(), password=None)
        except (OSError, ValueError):
            raise SealKeyMissing(f"seal key {key_id}: not in {self.directory}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SealKeyMissing(f"seal key {key_id}: not an Ed25519 key")
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return WireSeal(
            key_id=key_id,
            public_key=base64.b64encode(raw).decode(),
            scheme=SEAL_SCHEME,
            signature=base64.b64encode(key.sign(statement)).decode(),
        )
