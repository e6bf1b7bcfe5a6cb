"""One node's per-query work for the node benchmark (bench/node_bench.py), stage by stage, on two paths.

- **verify**: :meth:`adapters.warrant_check.WarrantCheck.verify` — signature, claims and the replay-protection
  write — of a warrant the broker signed beforehand (signing is the broker's cost: :meth:`warrants` is not timed);
- **read**: ``data_as_of`` (the answer states it) and the subject's records from
  :class:`adapters.store.SqlRecordStore`;
- **rules**: coverage and the edition's rules (minimise at the source);
- **encode**: for reference only, outside the totals — protocol v1's protobuf records on the models path,
  canonical JSON of each row (orjson, sorted keys: roughly what protocol v2 sends) on the rows path.

Paths: ``models`` reads record models (``query`` + :func:`merge.edition_rules.shows`), as the v1 server does;
``rows`` reads plain rows (``query_rows`` + :func:`adapters.row_rules.row_filter`), the fast path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from joserfc.jwk import OKPKey

from adapters.convert import QueryScope
from adapters.row_rules import row_filter
from adapters.store import SqlRecordStore
from adapters.warrant_check import WarrantCheck
from consent.warrants import issue_warrant
from merge.domains import DEFAULT_COVERAGE
from merge.edition_rules import shows

ISSUER = "https://broker.bench"
PATHS = ("models", "rows")


class NodeQueries:
    """A node's query work over an open store and warrant check; each :meth:`query` is one query."""

    def __init__(
        self, store: SqlRecordStore, check: WarrantCheck, key: OKPKey, scope: QueryScope, *, path: str
    ) -> None:
        if path not in PATHS:
            raise ValueError(f"path: one of {', '.join(PATHS)}")
        self.store, self.check, self.key, self.scope, self.rows = store, check, key, scope, path == "rows"
        self._covered = frozenset(DEFAULT_COVERAGE[scope.region])

    def warrants(self, count: int) -> list[bytes]:
        scope, now = self.scope, datetime.now(UTC)
        return [
            issue_warrant(
                self.key, issuer=ISSUER, region_code=scope.region.code, subject=scope.subject, grant_id="self",
                grantee="bench", purpose="bidding", edition=scope.edition, window_from=scope.window_from,
                window_to=scope.window_to, now=now, lifetime_s=60,
            ).encode()
            for _ in range(count)
        ]  # fmt: skip

    async def verify(self, token: bytes) -> None:
        await self.check.verify(token, self.scope)

    async def read(self) -> list[Any]:
        scope = self.scope
        await self.store.data_as_of()
        if self.rows:
            pages = self.store.query_rows(scope.subject, scope.window_from, scope.window_to)
            return [row async for page in pages for row in page]
        return [record async for record in self.store.query(scope.subject, scope.window_from, scope.window_to)]

    def rules(self, records: list[Any]) -> list[Any]:
        covered, edition, as_of = self._covered, self.scope.edition, self.scope.window_to
        if self.rows:
            return list(filter(row_filter(edition, as_of, covered), records))
        return [r for r in records if r.domain in covered and shows(r, edition, as_of=as_of)]

    def encode(self, shown: list[Any]) -> None:
        if self.rows:
            for row in shown:
                orjson.dumps(row, option=orjson.OPT_SORT_KEYS)
        else:
            for record in shown:  # the models path: each record dumped to JSON as the answer document holds it
                orjson.dumps(record.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)

    async def query(self, token: bytes) -> int:
        """Verify, read, apply the rules; the number of records the node would send."""
        await self.verify(token)
        return len(self.rules(await self.read()))
