"""OIDC sign-in, the parts that need no identity platform: the request, the ID token checks, the subject."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from consent.oidc import OidcConfig, OidcError, authorization_request, subject_of, validate_id_token
from merge.identifiers import SubjectKind

CONFIG = OidcConfig(
    issuer="https://idp.example.gov.cn",
    client_id="jjj-broker",
    client_secret="s",
    authorization_endpoint="https://idp.example.gov.cn/authorize",
    token_endpoint="https://idp.example.gov.cn/token",
)
KEY = ECKey.generate_key("P-256", parameters={"kid": "idp-1"})


def id_token(**overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": CONFIG.issuer, "aud": CONFIG.client_id, "sub": "u1", "iat": now, "exp": now + 300,
              "nonce": "n1", "uscc": "91120116MA05KQ2X31", "name": "天津滨海示例科技有限公司"}  # fmt: skip
    claims.update(overrides)
    return jwt.encode({"alg": "ES256", "kid": "idp-1"}, {k: v for k, v in claims.items() if v is not None}, KEY)


def test_authorization_request_uses_pkce_state_and_nonce() -> None:
    request = authorization_request(CONFIG, "https://jjj.example/signin/oidc/callback")
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "jjj-broker"
    assert query["state"] == request.state
    assert query["nonce"] == request.nonce
    assert query["code_challenge"] == create_s256_code_challenge(request.code_verifier)
    assert query["code_challenge_method"] == "S256"


def test_valid_id_token_gives_the_subject() -> None:
    claims = validate_id_token(CONFIG, id_token(), KeySet([KEY]), "n1")
    subject, name = subject_of(CONFIG, claims)
    assert subject.kind is SubjectKind.ENTERPRISE
    assert name == "天津滨海示例科技有限公司"


@pytest.mark.parametrize(
    "overrides",
    [{"iss": "https://evil.example"}, {"aud": "someone-else"}, {"exp": int(time.time()) - 3600}, {"nonce": "n2"},
     {"nonce": None}],
)  # fmt: skip
def test_bad_id_tokens_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(OidcError):
        validate_id_token(CONFIG, id_token(**overrides), KeySet([KEY]), "n1")


def test_foreign_signature_is_refused() -> None:
    other = ECKey.generate_key("P-256", parameters={"kid": "idp-1"})
    with pytest.raises(OidcError):
        validate_id_token(CONFIG, id_token(), KeySet([other]), "n1")


def test_invalid_subject_claim_is_refused_without_echoing_it() -> None:
    with pytest.raises(OidcError) as caught:
        subject_of(CONFIG, {"id_card_no": "110105199003071238"})
    assert "110105199003071238" not in str(caught.value)
