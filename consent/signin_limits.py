"""Sign-in throttling that stops an attacker without locking out the owner.

A USCC is public, so anyone can name an enterprise's account: a limit that counts every attempt on the account
would let anyone lock its owner out. Here only **failures** count, and they count three ways (fixed windows,
atomic in Redis so every replica sees the same numbers):

* per account **and** client address — past ``per_account`` failures, *that address* is refused for the account;
* per client address — past ``per_address`` failures on any accounts, the address is refused (one host spraying);
* per account, from every address — never refused: past ``per_account`` failures the answer to each further
  *failure* is delayed (:meth:`SignInLimiter.delay_s`), so a distributed attack is slowed while the owner, whose
  right password is answered at once, still signs in.

A successful sign-in forgets its address's failures for the account. Keys are built only from a validated
account (its HMAC reference) and the peer address (hashed): nothing a client types becomes a key. Each counter
is counted by a script of its own (count, and start its window on the first failure), so no counter ever lives
without a TTL, and the three may live on different Redis Cluster nodes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from consent.errors import store_errors
from consent.redis_writes import RedisClient

#: The longest a failure's answer is held back, however many failures the account has seen.
MAX_DELAY_S = 2.0

# KEYS: one counter. ARGV: its window. The window starts at the first failure and is not pushed back by later ones.
_FAIL = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@dataclass(frozen=True, slots=True)
class RateLimit:
    #: Failures allowed per account and address (and, beyond this, failures on the account are slowed).
    per_account: int
    #: Failures allowed per address, all accounts together.
    per_address: int
    window_s: int


class SignInLimiter:
    def __init__(self, redis: RedisClient, prefix: str, limit: RateLimit) -> None:
        self._redis = redis
        self._prefix = prefix
        self.limit = limit

    def _keys(self, account_ref: str, address: str) -> tuple[str, str, str]:
        address_hash = hashlib.sha256(address.encode()).hexdigest()[:24]
        pair = hashlib.sha256(f"{account_ref}\x1f{address}".encode()).hexdigest()[:32]
        p = self._prefix
        return f"{p}signin:pair:{pair}", f"{p}signin:addr:{address_hash}", f"{p}signin:acct:{account_ref}"

    async def allowed(self, account_ref: str, address: str) -> bool:
        """False when this address has failed too often, for this account or overall (its own failures only)."""
        pair, addr, _ = self._keys(account_ref, address)
        async with store_errors("sign-in"), self._redis.pipeline(transaction=False) as pipe:
            pipe.get(pair)
            pipe.get(addr)
            pair_failures, address_failures = await pipe.execute()
        return int(pair_failures or 0) < self.limit.per_account and int(address_failures or 0) < self.limit.per_address

    async def failed(self, account_ref: str, address: str) -> int:
        """Count one failure; returns how many the account has had in the window, from every address."""
        async with store_errors("sign-in"), self._redis.pipeline(transaction=False) as pipe:
            for key in self._keys(account_ref, address):
                pipe.eval(_FAIL, 1, key, self.limit.window_s)
            results = await pipe.execute()
        return int(results[2])

    async def succeeded(self, account_ref: str, address: str) -> None:
        pair, _, _ = self._keys(account_ref, address)
        async with store_errors("sign-in"):
            await self._redis.delete(pair)

    def delay_s(self, account_failures: int) -> float:
        """How long to hold back the answer to a failure once the account is under attack: doubling from a
        quarter second past the limit, at most :data:`MAX_DELAY_S`."""
        beyond = account_failures - self.limit.per_account
        return 0.0 if beyond <= 0 else min(MAX_DELAY_S, 0.25 * 2 ** (beyond - 1))
