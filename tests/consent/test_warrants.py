"""Query warrants, signed and checked in-process with real Ed25519 keys (consent/warrants.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

from consent.eddsa import eddsa_registry
from consent.warrants import (
    MAX_LIFETIME_S,
    UNKNOWN_KEY,
    WARRANT_TYPE,
    Warrant,
    WarrantInvalid,
    issue_warrant,
    load_jwks,
    verify_warrant,
)
from merge.editions import Edition
from merge.identifiers import Subject, SubjectKind

NOW = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)
ENTERPRISE = Subject(SubjectKind.ENTERPRISE, "91120116MA05KQ2X31")
PERSON = Subject(SubjectKind.PERSON, "110105199003071239")


def key(kid: str) -> OKPKey:
    raw = OKPKey.generate_key("Ed25519").as_dict(private=True)
    return OKPKey.import_key(raw, {"kid": kid, "use": "sig", "alg": "EdDSA"})


SIGNER = key("k1")
OTHER = key("k2")
JWKS = load_jwks(KeySet([SIGNER, OTHER]).as_dict(private=False))


def sign(signer: OKPKey = SIGNER, *, now: datetime = NOW, **changes: object) -> str:
    values: dict[str, object] = {
        "issuer": "https://broker.example",
        "region_code": "120000",
        "subject": ENTERPRISE,
        "grant_id": "g-1",
        "grantee": "bank-1",
        "purpose": "loan",
        "edition": Edition.STANDARD,
        "window_from": date(2022, 6, 30),
        "window_to": date(2025, 6, 29),
        "now": now,
    }
    values.update(changes)
    return issue_warrant(signer, **values)  # type: ignore[arg-type]


def check(token: str | bytes, *, now: datetime = NOW, audience: str = "120000", keys: KeySet = JWKS) -> Warrant:
    return verify_warrant(token, keys, audience=audience, now=now, issuers=("https://broker.example",))


def test_a_good_warrant_round_trips_with_every_claim() -> None:
    token = sign(lifetime_s=30, jti="abc")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": "k1", "typ": WARRANT_TYPE}
    warrant = check(token, now=NOW + timedelta(seconds=29))
    assert warrant.subject == ENTERPRISE
    assert (warrant.grant_id, warrant.grantee, warrant.purpose, warrant.jti) == ("g-1", "bank-1", "loan", "abc")
    assert warrant.edition is Edition.STANDARD
    assert (warrant.window_from, warrant.window_to) == (date(2022, 6, 30), date(2025, 6, 29))
    assert warrant.expires_at - warrant.issued_at == timedelta(seconds=30)
    assert warrant.mismatch(ENTERPRISE, Edition.STANDARD, date(2022, 6, 30), date(2025, 6, 29)) is None


def test_a_key_rotated_in_is_accepted_by_kid() -> None:
    assert check(sign(OTHER)) is not None


@pytest.mark.parametrize(
    ("token", "now", "audience", "reason"),
    [
        (sign(key("k1")), NOW, "120000", "bad signature"),  # forged: right kid, wrong key
        (sign(key("k9")), NOW, "120000", UNKNOWN_KEY),
        (sign(), NOW + timedelta(seconds=36), "120000", "expired"),
        (sign(), NOW - timedelta(seconds=10), "120000", "issued in the future"),
        (sign(), NOW, "110000", "audience 120000 is not this region (110000)"),
        # Signed by the broker's key, for another issuer: the key alone does not make it ours (issue 10).
        (
            sign(issuer="https://evil.example"),
            NOW,
            "120000",
            "unexpected issuer 'https://evil.example', not an accepted broker",
        ),
        ("", NOW, "120000", "no warrant"),
        ("not.a.jwt", NOW, "120000", "malformed warrant"),
    ],
)
def test_bad_warrants_are_refused_with_a_reason(token: str, now: datetime, audience: str, reason: str) -> None:
    with pytest.raises(WarrantInvalid) as caught:
        check(token, now=now, audience=audience)
    assert str(caught.value) == reason


def test_a_verifier_must_name_the_issuers_it_accepts() -> None:
    # No "any issuer" default: a node that forgot to configure its broker refuses to check rather than accept all.
    with pytest.raises(ValueError, match="issuers: name at least one"):
        verify_warrant(sign(), JWKS, audience="120000", now=NOW, issuers=())


def test_any_of_several_issuers_is_accepted() -> None:
    token = sign(issuer="https://replica-b.example")
    issuers = ("https://broker.example", "https://replica-b.example")
    assert (
        verify_warrant(token, JWKS, audience="120000", now=NOW, issuers=issuers).issuer == "https://replica-b.example"
    )


def test_clock_skew_within_the_leeway_is_tolerated() -> None:
    assert check(sign(), now=NOW + timedelta(seconds=34)) is not None
    assert check(sign(), now=NOW - timedelta(seconds=4)) is not None


def test_another_broker_jwt_is_not_a_warrant() -> None:
    # Same key, same claims, but typed as an access token: explicit typing keeps them apart (RFC 8725 §3.11).
    claims = jwt.decode(sign(), JWKS, registry=eddsa_registry()).claims
    token = jwt.encode({"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}, claims, SIGNER, registry=eddsa_registry())
    with pytest.raises(WarrantInvalid, match="typ"):
        check(token)


def test_a_warrant_living_longer_than_60_seconds_is_refused_even_if_signed() -> None:
    claims = jwt.decode(sign(), JWKS, registry=eddsa_registry()).claims
    claims["exp"] = claims["iat"] + MAX_LIFETIME_S + 1
    header = {"alg": "EdDSA", "kid": "k1", "typ": WARRANT_TYPE}
    with pytest.raises(WarrantInvalid, match="lifetime"):
        check(jwt.encode(header, claims, SIGNER, registry=eddsa_registry()))
    with pytest.raises(ValueError, match="lifetime_s"):
        sign(lifetime_s=61)


def test_missing_claims_are_named() -> None:
    claims = jwt.decode(sign(), JWKS, registry=eddsa_registry()).claims
    del claims["grant"], claims["window"]
    header = {"alg": "EdDSA", "kid": "k1", "typ": WARRANT_TYPE}
    with pytest.raises(WarrantInvalid, match="missing claims: grant, window"):
        check(jwt.encode(header, claims, SIGNER, registry=eddsa_registry()))


def test_mismatches_are_named_without_the_subject_identifier() -> None:
    warrant = check(sign(subject=PERSON, edition=Edition.PERSON))
    other = Subject(SubjectKind.PERSON, "110105199003071220")
    reasons = [
        warrant.mismatch(other, Edition.PERSON, date(2022, 6, 30), date(2025, 6, 29)),
        warrant.mismatch(PERSON, Edition.STANDARD, date(2022, 6, 30), date(2025, 6, 29)),
        warrant.mismatch(PERSON, Edition.PERSON, date(2020, 6, 30), date(2025, 6, 29)),
    ]
    assert reasons == [
        "subject does not match the warrant",
        "edition does not match the warrant",
        "window does not match the warrant",
    ]


def test_jwks_loading_drops_private_members_and_needs_kids() -> None:
    keys = load_jwks(KeySet([SIGNER]).as_dict(private=True))
    assert all("d" not in entry for entry in keys.as_dict()["keys"])
    with pytest.raises(ValueError, match="kid"):
        load_jwks({"keys": [{k: v for k, v in SIGNER.as_dict(private=False).items() if k != "kid"}]})
    with pytest.raises(ValueError, match="keys"):
        load_jwks({"keys": []})


def test_issued_bytes_are_exactly_joserfcs_jwt() -> None:
    # issue_warrant signs with cryptography directly; its token must be the standard JWT joserfc would make.
    token = sign(grantee="某银行", jti="fixed-jti")
    iat = int(NOW.timestamp())
    claims = {
        "iss": "https://broker.example", "aud": "120000", "sub": ENTERPRISE.identifier, "sub_kind": "enterprise",
        "grant": "g-1", "grantee": "某银行", "purpose": "loan", "edition": "standard",
        "edition_version": Edition.STANDARD.version, "edition_digest": Edition.STANDARD.digest,
        "window": {"from": "2022-06-30", "to": "2025-06-29"}, "jti": "fixed-jti", "iat": iat, "exp": iat + 30,
    }  # fmt: skip
    header = {"alg": "EdDSA", "kid": "k1", "typ": WARRANT_TYPE}
    assert token == jwt.encode(header, claims, SIGNER, registry=eddsa_registry())
    assert jwt.decode(token, SIGNER, registry=eddsa_registry()).claims["grantee"] == "某银行"


def test_an_edition_version_or_digest_the_checker_does_not_hold_is_named() -> None:
    claims = jwt.decode(sign(), JWKS, registry=eddsa_registry()).claims
    header = {"alg": "EdDSA", "kid": "k1", "typ": WARRANT_TYPE}
    older = check(jwt.encode(header, {**claims, "edition_version": "0"}, SIGNER, registry=eddsa_registry()))
    reason = older.mismatch(ENTERPRISE, Edition.STANDARD, date(2022, 6, 30), date(2025, 6, 29))
    assert reason is not None
    assert "edition standard version 0" in reason
    assert "this node holds (version 1" in reason
    forged = check(jwt.encode(header, {**claims, "edition_digest": "sha256:00"}, SIGNER, registry=eddsa_registry()))
    assert forged.mismatch(ENTERPRISE, Edition.STANDARD, date(2022, 6, 30), date(2025, 6, 29)) is not None
    with pytest.raises(WarrantInvalid, match="edition 'mining': not an edition this side holds"):
        check(jwt.encode(header, {**claims, "edition": "mining"}, SIGNER, registry=eddsa_registry()))
