"""Invariant 2 at scale: after 1,000 reports, nothing under the broker's prefix holds record content.

Every key of every type (strings, hashes, streams, sets, sorted sets, lists) is dumped, values and names
alike, and searched for what the nodes sent: decision numbers, violation facts, and full resident IDs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from tests.broker.conftest import ENTERPRISE, PERSON
from tests.broker.verify.test_views import issue

pytestmark = pytest.mark.cluster

Factory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]

REPORTS = 1000
CONCURRENCY = 25


def _b(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


async def dump(client: aioredis.Redis, prefix: str) -> bytes:
    """Every key under ``prefix`` with its whole value, whatever its type, as one byte string."""
    out: list[bytes] = []
    async for key in client.scan_iter(match=f"{prefix}*", count=1000):
        kind = _b(await client.type(key))
        out.append(_b(key))
        if kind == b"string":
            out.append(_b(await client.get(key)))
        elif kind == b"hash":
            out.extend(_b(k) + b"=" + _b(v) for k, v in (await client.hgetall(key)).items())
        elif kind == b"stream":
            for _id, fields in await client.xrange(key) or []:
                out.extend(_b(k) + b"=" + _b(v) for k, v in (fields or {}).items())
        elif kind == b"list":
            out.extend(_b(v) for v in await client.lrange(key, 0, -1))
        elif kind == b"set":
            out.extend(_b(v) for v in await client.smembers(key))
        elif kind == b"zset":
            out.extend(_b(v) for v in await client.zrange(key, 0, -1))
        else:
            raise AssertionError(f"unexpected key type {kind!r} at {key!r}")
    return b"\n".join(out)


async def test_thousand_reports_leave_no_content_in_redis(
    broker_factory: Factory, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    client = await broker_factory()
    subjects = [
        {"subject": ENTERPRISE, "edition": "administrative", "window_years": 5, "purpose": "administration"},
        {"subject": ENTERPRISE, "edition": "standard", "window_years": 3, "purpose": "bidding"},
        {"subject": ENTERPRISE, "edition": "listing", "window_years": 3, "purpose": "listing"},
        {"subject": PERSON, "edition": "person", "window_years": 3, "purpose": "going_abroad"},
    ]
    # Reports need consent: each subject asks for its own report, signed in (one client, one session each).
    person_client = await broker_factory()
    clients = {ENTERPRISE: client, PERSON: person_client}
    seen_content: set[str] = set()
    codes: list[str] = []
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> None:
        async with limit:
            body = subjects[index % len(subjects)]
            issued = await issue(clients[str(body["subject"])], body)
            codes.append(issued.code)
            # Record content is in the regions' signed parts (the items refer to it).
            for line in json.loads(issued.body)["regions"]:
                for records in (line["answer"] or {"document": {"records": {}}})["document"]["records"].values():
                    for record in records:
                        seen_content.add(record.get("decision_no") or record["document_no"])
                        if record.get("violation_facts"):
                            seen_content.add(record["violation_facts"])

    for index in range(len(subjects)):  # signs each subject in once, before the concurrent burst
        await one(index)
    await asyncio.gather(*(one(i) for i in range(len(subjects), REPORTS)))
    assert len(set(codes)) == REPORTS
    assert any("罚〔" in text for text in seen_content)  # the reports did carry record content …
    stored = await dump(redis_client, redis_prefix)
    assert stored.count(b"report:meta:") == REPORTS
    for text in seen_content:  # … and none of it is at rest in clear
        assert text.encode() not in stored, text
    assert PERSON.encode() not in stored
    for code in codes[:50]:
        assert code.encode() not in stored
        assert code.replace("-", "").encode() not in stored
