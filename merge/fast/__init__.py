"""The fast path of the merge: what the broker calls.

:mod:`merge.fast.merging` and :mod:`merge.fast.canonical` have the signatures of :mod:`merge.merging` and
:mod:`merge.canonical` (the readable rules) and give the same report and the same bytes, held to them by
property tests (tests/merge/fast/test_merging.py); what makes them fast (column-wise reads of the record
models, integer-folded sort keys, one masking pre-check, models built without pydantic's bookkeeping, a report's
records held as columns) lives in this package only.

Left to the caller: Python's cyclic garbage collector. A 10,000-record report allocates tens of thousands of
small acyclic objects; pausing the collector around merge and canonicalisation is the broker's decision.

This ``__init__`` imports nothing: :mod:`merge.report` imports the column store from here.
"""
