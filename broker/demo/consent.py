"""The demo's consent side: built-in accounts for the seeded subjects and the demo bank as an OAuth client."""

from __future__ import annotations

import asyncio

from adapters.seed import demo_subjects
from broker.settings import Settings
from consent.accounts import AccountStore
from consent.clients import SCOPE_EDITIONS, ClientRegistry
from merge.identifiers import parse_subject

DEMO_PASSWORD = "jjj-demo-password"  # noqa: S105 - the demo's published password, printed on start
DEMO_BANK = "demo-bank"


def seed_consent(redis_url: str, subject_secret: str, seed: int, bank_redirect: str) -> str:
    """Create an account for every demo subject and register the demo bank; returns the bank's client secret
    (shown to nobody: it goes to the bank process through its environment). ``subject_secret`` is the broker's
    ``JJJ_SUBJECT_KEY_SECRET``: accounts are keyed by it."""
    settings = Settings(redis_url=redis_url)

    async def seed_all() -> str:
        import redis.asyncio as aioredis

        redis = aioredis.Redis.from_url(redis_url)
        try:
            accounts = AccountStore(redis, settings.redis_prefix, subject_secret.encode())
            for subject in demo_subjects(seed):
                await accounts.add(parse_subject(subject.identifier), subject.name, DEMO_PASSWORD)
            clients = ClientRegistry(redis, settings.redis_prefix)
            _, secret = await clients.add(DEMO_BANK, "示例银行（演示）", [bank_redirect], sorted(SCOPE_EDITIONS))
            if secret is None:
                raise RuntimeError("the demo bank was registered without a client secret")
            return secret
        finally:
            await redis.aclose()

    return asyncio.run(seed_all())
