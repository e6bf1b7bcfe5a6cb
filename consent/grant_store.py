"""Grants in Redis, behind the :class:`ConsentStore` protocol.

State lives in Redis only — no process-local cache — so a revocation or pause made through any broker replica
holds for the very next request on every replica. Using a grant is one Lua script (check status, validity and
count, then count the use), so two concurrent uses can never overspend it. Creating one is one Lua script that
checks every key it will write before writing any (Redis does not roll back a script or a MULTI/EXEC that fails
half-way), so a failure leaves nothing half-written; an OAuth approval writes its authorization code in the
same script (:class:`ExtraWrite`), so a grant never exists without its code or a code without its grant.
Every ``redis.RedisError`` becomes :class:`~consent.errors.ConsentStoreUnavailable`: without its consent store
the broker refuses (fail closed). Creating, changing and using a grant are acknowledged by replicas
(:class:`~consent.redis_writes.ReplicaAck`) before they count as done.

Keys (``{…}`` is the Redis Cluster hash tag): ``{prefix}grant:{<id>}`` (hash: ``artefact`` JSON, ``jws``,
``status``, ``uses``, ``changed_at`` and copies of ``max_uses``/``valid_from``/``valid_until`` as epoch seconds for
the script), in the grant's slot with its code's keys (:mod:`consent.oauth.tokens`); ``{prefix}grants:{<subject>}``
(set of the subject's grant ids), in the subject's slot. That set is written first, in a step of its own, and a
grant whose creation then fails is taken out again: the set may name a grant that does not exist (listing skips
it) but never misses one that does, so the subject sees and can revoke every grant there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from redis.exceptions import ResponseError

from consent.errors import GrantConflict, GrantNotFound, GrantNotStored, store_errors
from consent.grants import GrantArtefact, GrantStatus, effective_status
from consent.redis_writes import RedisClient, ReplicaAck

#: Grants are kept this long after they end, so "who queried me" can still name them.
KEEP_AFTER_END = timedelta(days=400)


class UseOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"
    NOT_YET_VALID = "not_yet_valid"
    PAUSED = "paused"
    REVOKED = "revoked"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"


class GrantAction(StrEnum):
    REVOKE = "revoke"
    PAUSE = "pause"
    RESUME = "resume"


@dataclass(frozen=True, slots=True)
class StoredGrant:
    artefact: GrantArtefact
    jws: str
    stored_status: GrantStatus
    uses: int
    changed_at: datetime

    def status(self, now: datetime) -> GrantStatus:
        return effective_status(self.artefact, self.stored_status, self.uses, now)


@dataclass(frozen=True, slots=True)
class ExtraWrite:
    """One more string key written with a grant, in the same atomic step (an OAuth authorization code); its key
    carries the grant's hash tag (:meth:`RedisConsentStore.key`)."""

    key: str
    value: str
    ttl_s: int


class ConsentStore(Protocol):
    async def create(self, artefact: GrantArtefact, jws: str, *, with_write: ExtraWrite | None = None) -> None: ...
    async def get(self, grant_id: str) -> StoredGrant | None: ...
    async def for_subject(self, subject_ref: str) -> list[StoredGrant]: ...
    async def change(self, grant_id: str, subject_ref: str, action: GrantAction, now: datetime) -> GrantStatus: ...
    async def use(self, grant_id: str, now: datetime) -> tuple[UseOutcome, int]: ...


# Returns {outcome, uses}. The checks and the increment run as one atomic step on the server.
_USE = """
local f = redis.call('HMGET', KEYS[1], 'status', 'uses', 'max_uses', 'valid_from', 'valid_until')
if not f[1] then return {'missing', 0} end
local uses = tonumber(f[2])
if f[1] ~= 'active' then return {f[1], uses} end
local now = tonumber(ARGV[1])
if now < tonumber(f[4]) then return {'not_yet_valid', uses} end
if now >= tonumber(f[5]) then return {'expired', uses} end
if uses >= tonumber(f[3]) then return {'exhausted', uses} end
uses = redis.call('HINCRBY', KEYS[1], 'uses', 1)
redis.call('HSET', KEYS[1], 'changed_at', ARGV[2])
return {'ok', uses}
"""

# ARGV: action, subject_ref, now (ISO). Returns the new stored status, or an error word.
_CHANGE = """
local f = redis.call('HMGET', KEYS[1], 'status', 'subject_ref')
if not f[1] then return 'missing' end
if f[2] ~= ARGV[2] then return 'missing' end
local to
if ARGV[1] == 'revoke' then
  if f[1] == 'revoked' then return 'revoked' end
  to = 'revoked'
elseif ARGV[1] == 'pause' then
  if f[1] ~= 'active' then return 'conflict:' .. f[1] end
  to = 'paused'
elseif ARGV[1] == 'resume' then
  if f[1] ~= 'paused' then return 'conflict:' .. f[1] end
  to = 'active'
else
  return 'conflict:unknown'
end
redis.call('HSET', KEYS[1], 'status', to, 'changed_at', ARGV[3])
return to
"""


# KEYS: the subject's grant set. ARGV: the grant id. A key that is not a set refuses, writing nothing.
_INDEX = """
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' and t ~= 'set' then return 'wrongtype:grants' end
redis.call('SADD', KEYS[1], ARGV[1])
return 'ok'
"""

# KEYS: grant hash, [extra key, in the grant's slot]. ARGV: ttl, extra value, extra ttl, field/value pairs.
# Every check comes before the first write, so a refusal writes nothing.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists:grant' end
if #KEYS == 2 and redis.call('EXISTS', KEYS[2]) == 1 then return 'exists:extra' end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[1])
if #KEYS == 2 then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
return 'ok'
"""


class RedisConsentStore:
    def __init__(self, redis: RedisClient, prefix: str, *, acks: ReplicaAck | None = None) -> None:
        self._redis = redis
        self._prefix = prefix
        self._acks = acks or ReplicaAck()

    def key(self, grant_id: str) -> str:
        """The grant's hash; the grant id is its hash tag, which its code's keys share."""
        return f"{self._prefix}grant:{{{grant_id}}}"

    def index_key(self, subject_ref: str) -> str:
        return f"{self._prefix}grants:{{{subject_ref}}}"

    async def create(self, artefact: GrantArtefact, jws: str, *, with_write: ExtraWrite | None = None) -> None:
        """Store a new grant (and ``with_write``) in one atomic step; ``GrantNotStored`` if any key is taken."""
        key = self.key(artefact.id)
        keep = int((artefact.valid_until + KEEP_AFTER_END - artefact.created_at).total_seconds())
        fields: dict[str, str | int] = {
            "artefact": artefact.model_dump_json(),
            "jws": jws,
            "status": GrantStatus.ACTIVE.value,
            "uses": 0,
            "changed_at": artefact.created_at.isoformat(),
            "subject_ref": artefact.subject_ref,
            "max_uses": artefact.max_uses,
            "valid_from": int(artefact.valid_from.timestamp()),
            "valid_until": int(artefact.valid_until.timestamp()),
        }
        keys = [key]
        extra: list[str | int] = ["", 0]
        if with_write is not None:
            keys.append(with_write.key)
            extra = [with_write.value, with_write.ttl_s]
        pairs = [item for pair in fields.items() for item in pair]
        index = self.index_key(artefact.subject_ref)
        async with store_errors("consent"):
            word = _word(await self._acks.eval(self._redis, _INDEX, [index], [artefact.id]))
            if word == "ok":
                word = await self._store(keys, [keep, *extra, *pairs], index, artefact.id)
        if word != "ok":
            raise GrantNotStored(f"grant: not stored ({word.replace(':', ' ')}); nothing was written")

    async def _store(self, keys: list[str], args: list[str | int], index: str, grant_id: str) -> str:
        """The create script's answer. Refused (Redis answered; the script checks before it writes) → the id
        leaves the index again. No answer, or written but not confirmed → it stays: the grant may exist."""
        try:
            word = _word(await self._acks.eval(self._redis, _CREATE, keys, args))
        except ResponseError:
            await self._redis.srem(index, grant_id)
            raise
        if word != "ok":
            await self._redis.srem(index, grant_id)
        return word

    async def get(self, grant_id: str) -> StoredGrant | None:
        async with store_errors("consent"):
            row = await self._redis.hgetall(self.key(grant_id))
        return _stored(row) if row else None

    async def for_subject(self, subject_ref: str) -> list[StoredGrant]:
        async with store_errors("consent"):
            ids = await self._redis.smembers(self.index_key(subject_ref))
            async with self._redis.pipeline(transaction=False) as pipe:
                for grant_id in sorted(ids):
                    pipe.hgetall(self.key(_s(grant_id)))
                rows = await pipe.execute()
        grants = [_stored(row) for row in rows if row]
        return sorted(grants, key=lambda g: g.artefact.created_at, reverse=True)

    async def change(self, grant_id: str, subject_ref: str, action: GrantAction, now: datetime) -> GrantStatus:
        """Revoke, pause or resume in one atomic step; only the grant's own subject may."""
        async with store_errors("consent change"):
            result = await self._acks.eval(
                self._redis, _CHANGE, [self.key(grant_id)], [action.value, subject_ref, now.isoformat()]
            )
        word = _word(result)
        if word == "missing":
            raise GrantNotFound(f"grant: no grant {grant_id!r} of yours", field="grant")
        if word.startswith("conflict:"):
            raise GrantConflict(f"grant: cannot {action.value} a grant that is {word.split(':', 1)[1]}", field="grant")
        return GrantStatus(word)

    async def use(self, grant_id: str, now: datetime) -> tuple[UseOutcome, int]:
        """Count one use if the grant is active, valid now and not spent; say why not otherwise."""
        async with store_errors("report"):
            outcome, uses = await self._acks.eval(
                self._redis, _USE, [self.key(grant_id)], [str(int(now.timestamp())), now.isoformat()]
            )
        word = _word(outcome)
        return UseOutcome(word), int(uses)


def _stored(row: dict[Any, Any]) -> StoredGrant:
    return StoredGrant(
        artefact=GrantArtefact.model_validate_json(row[b"artefact"]),
        jws=_s(row[b"jws"]),
        stored_status=GrantStatus(_s(row[b"status"])),
        uses=int(row[b"uses"]),
        changed_at=datetime.fromisoformat(_s(row[b"changed_at"])).astimezone(UTC),
    )


def _word(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
