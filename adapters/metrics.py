"""A node's Prometheus metrics (prometheus-client): query latency by outcome, warrant refusals, rows read.

``jjj adapter serve --metrics-port N`` serves them at ``http://<host>:N/metrics`` (prometheus-client's own small
HTTP server, in a thread: the node has no web framework, and its ``--health-port`` is a gRPC listener, which cannot
answer a plain HTTP scrape). Keep the port off any network but the monitoring one: the figures say how busy a
region is, nothing about any subject.

Rows read are counted where they leave the store (:class:`CountedSource` wraps the
:class:`~adapters.server.RecordSource`), before the edition's rules drop any: what the database did for each query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from merge.edition_rules import AnyRecord
from merge.identifiers import Subject

if TYPE_CHECKING:
    from adapters.server import RecordSource

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class NodeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.query_seconds = Histogram(
            "jjj_node_query_seconds", "QueryRecords latency, by outcome (ok, refused, invalid, error, cancelled)",
            ["outcome"], buckets=_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.warrant_refusals = Counter(
            "jjj_node_warrant_refusals",
            "Queries refused because their warrant did not cover them",
            registry=self.registry,
        )
        self.rows_read = Counter(
            "jjj_node_rows_read", "Records read from the store for queries", registry=self.registry
        )
        self.records_answered = Counter(
            "jjj_node_records_answered", "Records sent in signed answers (after the edition's rules)",
            registry=self.registry,
        )  # fmt: skip

    def serve(self, host: str, port: int) -> WSGIServer:
        """Answer ``GET /metrics`` on ``host:port`` from a daemon thread (ends with the process, or ``shutdown()``)."""
        server, _ = start_http_server(port, addr=host, registry=self.registry)
        return server


class CountedSource:
    """A :class:`~adapters.server.RecordSource` whose reads are counted in ``jjj_node_rows_read``."""

    def __init__(self, inner: RecordSource, metrics: NodeMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def query(self, subject: Subject, window_from: date, window_to: date) -> AsyncIterator[AnyRecord]:
        records = self._inner.query(subject, window_from, window_to)
        try:
            async for record in records:
                self._metrics.rows_read.inc()
                yield record
        finally:
            aclose = getattr(records, "aclose", None)
            if aclose is not None:
                await aclose()

    async def data_as_of(self) -> datetime:
        return await self._inner.data_as_of()
