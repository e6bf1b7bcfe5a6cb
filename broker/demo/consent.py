"""The demo's consent side: built-in accounts for the seeded subjects, the demo bank as an OAuth client, and
the walkthrough printed for a newcomer (sign in once, own report, approve the bank, revoke)."""

from __future__ import annotations

import asyncio

from adapters.seed import demo_subjects
from broker.settings import Settings
from consent.accounts import AccountStore
from consent.clients import SCOPE_EDITIONS, ClientRegistry
from merge.identifiers import parse_subject

DEMO_PASSWORD = "jjj-demo-password"  # noqa: S105 - the demo's published password, printed on start
DEMO_BANK = "demo-bank"


def seed_consent(redis_url: str, seed: int, bank_redirect: str) -> str:
    """Create an account for every demo subject and register the demo bank; returns the bank's client secret
    (shown to nobody: it goes to the bank process through its environment)."""
    settings = Settings(redis_url=redis_url)

    async def seed_all() -> str:
        import redis.asyncio as aioredis

        redis = aioredis.Redis.from_url(redis_url)
        try:
            secret_key = settings.subject_key_secret.get_secret_value().encode()
            accounts = AccountStore(redis, settings.redis_prefix, secret_key)
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


def walkthrough(port: int, bank_port: int, seed: int) -> str:
    subjects = demo_subjects(seed)
    example = next((s for s in subjects if s.kind == "enterprise"), subjects[0])
    base = f"http://127.0.0.1:{port}"
    return f"""
Every seeded subject has a built-in account; the password is {DEMO_PASSWORD!r}. Try this in a browser:

  1. Sign in once as {example.identifier} ({example.name}):  {base}/signin
  2. On {base}/account press 出具报告: one report from all three regions, with its verification code.
  3. Open the demo bank at http://127.0.0.1:{bank_port}/ and ask for that enterprise's report; jjj shows you
     the bank's authorization request — approve it, and watch the bank fetch the report with its token.
  4. Back on {base}/account: the grant, and the bank's query under 谁查询了我 (who queried me).
     Revoke the grant (撤回), then press 使用同一授权再次查询 at the bank: the request is refused.

Stop a node (e.g. kill its process) and the next report says that region is unavailable and incomplete.
"""
