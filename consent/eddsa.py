"""The one JWS algorithm the broker signs with: ``EdDSA`` over Ed25519 (RFC 8037), as a joserfc registry.

:func:`eddsa_registry` is the registry for every broker signature, signed and verified (warrants, access tokens,
the audit chain). It allows exactly ``EdDSA``, without joserfc's RFC 9864 deprecation warning: RFC 9864
deprecates the polymorphic name in favour of ``Ed25519``, but our keys are Ed25519 only and are published
(``broker.keys.KeyRing.public_jwks``) with ``alg: EdDSA``, which every JOSE library understands.

Verification runs on libsodium (:mod:`merge.ed25519`: half OpenSSL's CPU here; nodes verify a warrant per
query): joserfc still parses the token, checks the header and picks the key, and only the primitive differs —
it accepts exactly the signatures the stock one does (both RFC 8032). Signing stays joserfc's.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc.errors import JoseError
from joserfc.jwa import JWSAlgModel
from joserfc.jws import JWSRegistry

from merge.ed25519 import verifier_for

ALGORITHM = "EdDSA"


class _LibsodiumEdDSA(JWSAlgModel):
    """joserfc's ``EdDSA`` (``stock``), verifying Ed25519 keys with libsodium."""

    def __init__(self, stock: JWSAlgModel) -> None:
        self._stock = stock
        self.name = stock.name
        self.description = stock.description
        self.key_type = stock.key_type

    def sign(self, msg: bytes, key: Any) -> bytes:
        return self._stock.sign(msg, key)

    def verify(self, msg: bytes, sig: bytes, key: Any) -> bool:
        public = key.get_op_key("verify")
        if not isinstance(public, Ed25519PublicKey):
            return self._stock.verify(msg, sig, key)  # raises joserfc's own error for a wrong key type
        try:
            verifier_for(public).verify(sig, msg)
        except InvalidSignature:
            return False
        return True


# joserfc registers its algorithms when joserfc.jws is imported (above).
_EDDSA = _LibsodiumEdDSA(JWSRegistry.algorithms[ALGORITHM])


class _EdDSARegistry(JWSRegistry):
    def get_alg(self, name: str) -> JWSAlgModel:
        if name != ALGORITHM:
            raise JoseError(f"algorithm {name!r} is not allowed")
        return _EDDSA


def eddsa_registry() -> JWSRegistry:
    """A joserfc JWS registry that accepts only EdDSA (use it for every broker signature, sign and verify)."""
    return _EdDSARegistry(algorithms=[ALGORITHM])
