"""The jjj benchmark suite (``make bench``, ``jjj bench``): fan-out overhead, throughput, merge, large subject, PDF.

Every part starts what it measures itself (nodes, broker, load generator in separate processes) and returns a
plain JSON-able dict; :mod:`bench.runner` prints the table and writes ``bench/results/<timestamp>.json``.
"""
