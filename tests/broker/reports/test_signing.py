"""Reports as JWS: EdDSA by the active key, verified by any key of the ring, across key rotation."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from broker.keys import add_signing_key, init_keys, load_keyring
from broker.reports.signing import DetachedJws, InvalidReportSignature, sign_report, verify_report

CANONICAL = json.dumps({"report_no": "JJJ-20260101-000001", "subject": "天津滨海示例科技有限公司"}, ensure_ascii=False)
PAYLOAD = CANONICAL.encode()


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_compact_jws_names_the_active_key(tmp_path: Path) -> None:
    ring = init_keys(tmp_path / "keys")
    token = sign_report(PAYLOAD, ring)
    header, payload, signature = token.split(".")
    assert json.loads(_b64(header)) == {"alg": "EdDSA", "kid": ring.active_kid, "cty": "json"}
    assert _b64(payload) == PAYLOAD
    assert len(_b64(signature)) == 64  # Ed25519
    verified = verify_report(token, ring)
    assert verified.payload == PAYLOAD
    assert verified.kid == ring.active_kid
    # The published JWKS carries that kid.
    assert ring.active_kid in {key["kid"] for key in ring.public_jwks()["keys"]}


def test_modified_payload_fails(tmp_path: Path) -> None:
    ring = init_keys(tmp_path / "keys")
    header, _, signature = sign_report(PAYLOAD, ring).split(".")
    forged = base64.urlsafe_b64encode(PAYLOAD.replace(b"000001", b"000002")).rstrip(b"=").decode()
    with pytest.raises(InvalidReportSignature):
        verify_report(f"{header}.{forged}.{signature}", ring)
    with pytest.raises(InvalidReportSignature):
        verify_report("not.a.jws", ring)
    with pytest.raises(InvalidReportSignature):
        verify_report("two.parts", ring)


def test_other_brokers_key_is_refused(tmp_path: Path) -> None:
    ours = init_keys(tmp_path / "ours")
    theirs = init_keys(tmp_path / "theirs")
    with pytest.raises(InvalidReportSignature, match="names no key"):
        verify_report(sign_report(PAYLOAD, theirs), ours)


def test_old_report_verifies_after_rotation(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    before = init_keys(directory)
    old_token = sign_report(PAYLOAD, before)
    new_kid = add_signing_key(directory)
    after = load_keyring(directory)
    assert after.active_kid == new_kid != before.active_kid
    assert verify_report(old_token, after).kid == before.active_kid
    new_token = sign_report(PAYLOAD, after)
    assert verify_report(new_token, after).kid == new_kid
    assert {before.active_kid, new_kid} <= {key["kid"] for key in after.public_jwks()["keys"]}


def test_large_report_signs_and_verifies(tmp_path: Path) -> None:
    # joserfc's default payload limit is 128 kB; reports with many records are far larger.
    ring = init_keys(tmp_path / "keys")
    big = json.dumps({"records": ["事实描述" * 50] * 2000}, ensure_ascii=False).encode()
    assert len(big) > 1_000_000
    assert verify_report(sign_report(big, ring), ring).payload == big


def test_detached_jws_reattaches(tmp_path: Path) -> None:
    ring = init_keys(tmp_path / "keys")
    token = sign_report(PAYLOAD, ring)
    detached = DetachedJws.of(token)
    assert PAYLOAD not in (detached.protected + detached.signature).encode()
    assert detached.attach(PAYLOAD) == token
    with pytest.raises(InvalidReportSignature):
        verify_report(detached.attach(PAYLOAD + b" "), ring)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 786_431, 786_432, 786_433, 2_359_298])
def test_detached_signature_is_joserfcs_compact_jws(tmp_path: Path, size: int) -> None:
    # Signed straight with cryptography, chunk by chunk: the parts must be those of joserfc's compact JWS,
    # including payloads whose length is not a multiple of the chunk size or of 3.
    from joserfc import jws

    from broker.reports.signing import _registry, sign_detached

    ring = init_keys(tmp_path / "keys")
    payload = (PAYLOAD * (size // len(PAYLOAD) + 1))[:size]
    header = {"alg": "EdDSA", "kid": ring.active_kid, "cty": "json"}
    reference = jws.serialize_compact(header, payload, ring.active, registry=_registry())
    detached = sign_detached(payload, ring)
    assert detached == DetachedJws.of(reference)
    assert detached.attach(payload) == reference == sign_report(payload, ring)
    assert detached.attach_bytes(payload) == reference.encode()
    assert verify_report(reference, ring).payload == payload
