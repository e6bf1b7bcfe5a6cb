"""Read one region's answer stream — pages, then one summary — into a checked :class:`RegionAnswer`.

The client never trusts the stream (invariant 1: a region that sent garbage is never reported clean): an answer
is accepted only if it is pages numbered from 1 followed by exactly one summary, the summary names the expected
region, its total and per-domain counts equal what arrived, every record converts and lies in a domain the
region says it covers. Anything else raises :class:`StreamViolation`.

Pure (no I/O): :class:`adapters.client.AdapterClient` feeds it the messages of the gRPC stream as they arrive,
and the benchmark feeds it pages decoded from bytes, so both measure and run the same checks.
"""

from __future__ import annotations

from collections import Counter

from adapters.convert import datetime_from_timestamp, record_from_proto
from merge.answers import RegionAnswer, RegionStatus
from merge.domains import DOMAIN_BY_CODE
from merge.edition_rules import AnyRecord
from merge.regions import Region
from protos.credit.v1 import adapter_pb2


class StreamViolation(Exception):
    """The stream broke the protocol (the message says how; it never holds record content)."""


class AnswerReader:
    """Feed :meth:`add` every message of one answer stream, in order, then call :meth:`answer`.

    Pages are converted as they arrive, so at most one page of messages is held at a time.
    """

    def __init__(self, region: Region) -> None:
        self.region = region
        self._records: list[AnyRecord] = []
        self._summary: adapter_pb2.QuerySummary | None = None
        self._expected_page = 1

    def add(self, response: adapter_pb2.QueryRecordsResponse) -> None:
        item = response.WhichOneof("item")
        if self._summary is not None:
            raise StreamViolation("message after the summary")
        if item == "summary":
            self._summary = response.summary
        elif item == "page":
            page = response.page
            if page.page_no != self._expected_page:
                raise StreamViolation(f"page {page.page_no} where page {self._expected_page} was expected")
            self._expected_page += 1
            code = self.region.code
            for index, message in enumerate(page.records):
                try:
                    self._records.append(record_from_proto(message, code))
                except ValueError as exc:
                    raise StreamViolation(f"page {page.page_no} record {index}: {exc}") from None
        else:
            raise StreamViolation("empty stream message")

    def answer(self) -> RegionAnswer:
        """The checked answer (``latency_ms`` 0: the caller knows the time it took)."""
        summary, records = self._summary, self._records
        if summary is None:
            raise StreamViolation("stream ended without a summary")
        if summary.region_code != self.region.code:
            raise StreamViolation(f"summary region_code {summary.region_code!r}, expected {self.region.code}")
        if summary.total != len(records):
            raise StreamViolation(f"summary total {summary.total}, received {len(records)} records")
        received = Counter(r.domain for r in records)
        declared = {code: n for code, n in summary.count_by_domain.items() if n}
        if dict(received) != declared:
            raise StreamViolation("summary count_by_domain does not match the records received")
        covered = frozenset(summary.covered_domains)
        unknown = covered - DOMAIN_BY_CODE.keys()
        if unknown:
            raise StreamViolation(f"covered_domains has {len(unknown)} codes outside the shared catalogue")
        if not received.keys() <= covered:
            raise StreamViolation("records in domains the region does not cover")
        if len({r.record_id for r in records}) != len(records):
            raise StreamViolation("duplicate record_id in the answer")
        if not summary.HasField("data_as_of"):
            raise StreamViolation("summary without data_as_of")
        return RegionAnswer(
            region_code=self.region.code,
            status=RegionStatus.ANSWERED,
            latency_ms=0.0,
            data_as_of=datetime_from_timestamp(summary.data_as_of),
            covered_domains=covered,
            records=tuple(records),
        )
