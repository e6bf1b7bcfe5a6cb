"""The Redis consent store: atomic use counting, one-step state changes, fail closed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError

from consent.errors import ConsentStoreUnavailable, GrantConflict, GrantNotFound
from consent.grant_store import GrantAction, RedisConsentStore, UseOutcome
from consent.grants import GrantArtefact, GrantStatus, new_grant_id
from merge.editions import Edition
from merge.identifiers import SubjectKind

pytestmark = pytest.mark.cluster

NOW = datetime.now(UTC).replace(microsecond=0)


def artefact(**overrides: object) -> GrantArtefact:
    values: dict[str, object] = {
        "id": new_grant_id(), "subject_ref": "ref1", "subject_kind": SubjectKind.ENTERPRISE,
        "subject_masked": "91120116MA05KQ2X31", "grantee_id": "demo-bank", "grantee_name": "示例银行",
        "purpose_code": "financing", "purpose_text": "融资贷款", "editions": (Edition.STANDARD,),
        "regions": ("110000", "120000", "130000"), "window_years": 3, "valid_from": NOW,
        "valid_until": NOW + timedelta(days=30), "max_uses": 5, "resident_id_consent": False, "created_at": NOW,
    }  # fmt: skip
    values.update(overrides)
    return GrantArtefact.model_validate(values)


async def test_concurrent_uses_never_overspend(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    store = RedisConsentStore(redis_client, redis_prefix)
    grant = artefact(max_uses=5)
    await store.create(grant, "jws")
    outcomes = await asyncio.gather(*(store.use(grant.id, datetime.now(UTC)) for _ in range(20)))
    assert sorted(o for o, _ in outcomes).count(UseOutcome.OK) == 5
    assert {o for o, _ in outcomes} == {UseOutcome.OK, UseOutcome.EXHAUSTED}
    stored = await store.get(grant.id)
    assert stored is not None
    assert stored.uses == 5
    assert stored.status(datetime.now(UTC)) is GrantStatus.EXHAUSTED


async def test_state_changes_are_checked(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    store = RedisConsentStore(redis_client, redis_prefix)
    grant = artefact()
    await store.create(grant, "jws")
    with pytest.raises(GrantNotFound):
        await store.change(grant.id, "someone-else", GrantAction.REVOKE, NOW)
    with pytest.raises(GrantConflict):
        await store.change(grant.id, "ref1", GrantAction.RESUME, NOW)
    assert await store.change(grant.id, "ref1", GrantAction.PAUSE, NOW) is GrantStatus.PAUSED
    assert (await store.use(grant.id, NOW))[0] is UseOutcome.PAUSED
    assert await store.change(grant.id, "ref1", GrantAction.REVOKE, NOW) is GrantStatus.REVOKED
    assert (await store.use(grant.id, NOW))[0] is UseOutcome.REVOKED
    assert [g.artefact.id for g in await store.for_subject("ref1")] == [grant.id]


async def test_not_yet_valid_and_expired(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    store = RedisConsentStore(redis_client, redis_prefix)
    grant = artefact()
    await store.create(grant, "jws")
    assert (await store.use(grant.id, NOW - timedelta(hours=1)))[0] is UseOutcome.NOT_YET_VALID
    assert (await store.use(grant.id, NOW + timedelta(days=31)))[0] is UseOutcome.EXPIRED
    assert (await store.use("g_missing", NOW))[0] is UseOutcome.MISSING


async def test_unreachable_redis_fails_closed() -> None:
    redis = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    store = RedisConsentStore(redis, "x:")
    with pytest.raises(ConsentStoreUnavailable):
        await store.use("g_1", NOW)
    await redis.aclose()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose_code": "curiosity"}, "purpose_code"),
        ({"window_years": 4}, "window_years"),
        ({"max_uses": 0}, "max_uses"),
        ({"valid_until": NOW - timedelta(days=1)}, "valid_until"),
        ({"subject_kind": SubjectKind.PERSON, "resident_id_consent": False}, "resident_id_consent"),
    ],
)
def test_bad_artefacts_name_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        artefact(**overrides)
    assert field in str(caught.value)
