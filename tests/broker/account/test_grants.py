"""Consent grants end to end: revoke/pause/resume hold at once on every replica; expired and exhausted grants
are refused; a person must consent separately to the resident ID; grants are signed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from broker.web.appkeys import GRANTS, KEYRING
from consent.grants import GrantArtefact, verify_grant_signature
from tests.broker.conftest import ENTERPRISE, PERSON, sign_in
from tests.broker.oauth.test_rules import GOOD, authorize_url, redeem, report_with
from tests.broker.oauth_helpers import base, consent, new_verifier, query_of, register_bank

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


async def bank_token(client: TestClient, **terms: str) -> tuple[str, str]:  # type: ignore[type-arg]
    """Signed in as ENTERPRISE, approve the demo bank; returns (access token, grant id)."""
    csrf = await sign_in(client)
    secret = await register_bank(client)
    verifier = new_verifier()
    code = query_of(await consent(client, base(client) + authorize_url(verifier, **terms)))["code"]
    status, token = await redeem(client, secret, code, verifier)
    assert status == 200, token
    grants = (await (await client.get("/v1/grants")).json())["grants"]
    assert len(grants) == 1
    client.csrf = csrf  # type: ignore[attr-defined]
    return token["access_token"], grants[0]["id"]


async def change(client: TestClient, grant_id: str, action: str) -> Any:  # type: ignore[type-arg]
    return await client.post(f"/v1/grants/{grant_id}/{action}", headers={"X-CSRF-Token": client.csrf})  # type: ignore[attr-defined]


async def test_revocation_on_one_replica_is_refused_by_another(broker_factory: Factory) -> None:
    # Two broker apps sharing one Redis and, as replicas behind one name do, one configured issuer.
    one = await broker_factory(oauth_issuer="https://jjj.test")
    two = await broker_factory(oauth_issuer="https://jjj.test")
    token, grant_id = await bank_token(one, max_uses="5")
    assert (await report_with(two, token)).status == 200
    response = await change(one, grant_id, "revoke")
    assert response.status == 200
    assert (await response.json())["status"] == "revoked"
    refused = await report_with(two, token)
    assert refused.status == 403
    assert "revoked" in (await refused.json())["error"]["message"]
    # Revoked is final: it cannot be resumed.
    assert (await change(one, grant_id, "resume")).status == 409


async def test_pause_and_resume(broker_factory: Factory) -> None:
    client = await broker_factory()
    token, grant_id = await bank_token(client, max_uses="5")
    assert (await change(client, grant_id, "pause")).status == 200
    refused = await report_with(client, token)
    assert refused.status == 403
    assert "paused" in (await refused.json())["error"]["message"]
    assert (await change(client, grant_id, "resume")).status == 200
    assert (await report_with(client, token)).status == 200


async def test_change_needs_csrf_and_ownership(broker_factory: Factory) -> None:
    client = await broker_factory()
    _, grant_id = await bank_token(client)
    assert (await client.post(f"/v1/grants/{grant_id}/revoke")).status == 403
    other = await broker_factory()
    other.csrf = await sign_in(other, "91110105MA01ABCD13")  # type: ignore[attr-defined]
    assert (await change(other, grant_id, "revoke")).status == 404


async def test_exhausted_grant_is_refused(broker_factory: Factory) -> None:
    client = await broker_factory()
    token, _grant_id = await bank_token(client, max_uses="1")
    assert (await report_with(client, token)).status == 200
    refused = await report_with(client, token)
    assert refused.status == 403
    assert "spent" in (await refused.json())["error"]["message"]
    grant = (await (await client.get("/v1/grants")).json())["grants"][0]
    assert (grant["status"], grant["uses"]) == ("exhausted", 1)


async def test_expired_grant_is_refused(broker_factory: Factory) -> None:
    client = await broker_factory()
    token, grant_id = await bank_token(client, max_uses="5")
    store = client.app[GRANTS]
    stored = await store.get(grant_id)
    assert stored is not None
    # The same grant's state key, its validity moved into the past (as time passing would).
    past = datetime.now(UTC) - timedelta(days=1)
    await client.app[GRANTS]._redis.hset(  # type: ignore[attr-defined]
        client.app[GRANTS].key(grant_id),  # type: ignore[attr-defined]
        "valid_until",
        int(past.timestamp()),  # type: ignore[attr-defined]
    )
    refused = await report_with(client, token)
    assert refused.status == 403
    assert "expired" in (await refused.json())["error"]["message"]


async def test_grant_is_signed_and_complete(broker_factory: Factory) -> None:
    client = await broker_factory()
    _, grant_id = await bank_token(client, max_uses="3", window_years="5", valid_days="10")
    grant = (await (await client.get("/v1/grants")).json())["grants"][0]
    assert grant["grantee_id"] == "demo-bank"
    assert grant["grantee_name"] == "示例银行"
    assert grant["purpose_code"] == "bidding"
    assert grant["purpose_text"] == "招标投标"
    assert grant["editions"] == ["standard"]
    assert grant["regions"] == ["110000", "120000", "130000"]
    assert grant["window_years"] == 5
    assert grant["max_uses"] == 3
    assert grant["status"] == "active"
    assert "subject_ref" not in grant
    assert grant["subject_masked"] == ENTERPRISE
    stored = await client.app[GRANTS].get(grant_id)
    assert stored is not None
    ring = client.app[KEYRING]
    assert verify_grant_signature(stored.jws, stored.artefact, ring.verification_keys())
    tampered = stored.artefact.model_copy(update={"max_uses": 99})
    assert not verify_grant_signature(stored.jws, GrantArtefact.model_validate(tampered.model_dump()), ring.active)


@pytest.mark.parametrize("consents", [False, True])
async def test_person_must_consent_separately_to_the_resident_id(broker_factory: Factory, consents: bool) -> None:
    client = await broker_factory()
    await sign_in(client, PERSON)
    await register_bank(client)
    url = base(client) + authorize_url(new_verifier(), scope="report:person")
    page = await client.get(url.removeprefix(base(client)))
    text = await page.text()
    assert "居民身份证号码" in text
    assert "第二十九条" in text
    assert PERSON not in text  # masked on the consent screen too
    if consents:
        location = await consent(client, url, resident_id_consent="yes")
        assert "code" in query_of(location)
    else:
        from tests.broker.oauth_helpers import _HIDDEN

        fields = dict(_HIDDEN.findall(text))
        response = await client.post("/oauth/authorize", data={**fields, "decision": "approve"}, allow_redirects=False)
        assert response.status == 422
        assert (await (await client.get("/v1/grants")).json())["grants"] == []


async def test_who_queried_me_lists_the_bank(broker_factory: Factory) -> None:
    client = await broker_factory()
    token, grant_id = await bank_token(client, max_uses="2")
    assert (await report_with(client, token, {**GOOD})).status == 200
    queries = (await (await client.get("/v1/me/queries")).json())["queries"]
    assert [(q["grant"], q["purpose"]) for q in queries] == [(grant_id, "bidding")]
    page = await (await client.get("/account")).text()
    assert "示例银行" in page
    assert "撤回" in page
