"""The JSON + PDF after-start benchmark runs end to end in its tiniest size: real `jjj serve` processes that
start their PDF workers, real nodes, real Redis. No timing is asserted, only that every mode measured what it
says (a warm pool answered ready before the first pair; on demand, the first PDF started a worker)."""

from __future__ import annotations

from pathlib import Path

from bench import pdf_first_bench
from bench.data import subjects_data
from bench.nodes import prepare


def test_every_mode_measures_json_and_pdf_pairs(tmp_path: Path) -> None:
    (subject,) = subjects_data(1)
    site = prepare(tmp_path, [subject])
    lines: list[str] = []
    figures = pdf_first_bench.run(site, subject, quick=True, sizes=(1, 2), progress=lines.append)
    for mode in pdf_first_bench.MODES:
        part = figures[mode]
        assert part["starts"] == 1
        assert part["pairs_per_start"] == 2
        assert part["total_max_ms"] >= part["total_p50_ms"] > 0
        assert part["cpu_per_pair_ms"] > 0
    # Readiness waited for the workers; the others went as soon as the port answered.
    assert figures["prewarm"]["ready_s"] > figures["prewarm"]["listening_s"]
    assert figures["on_demand"]["ready_s"] == figures["on_demand"]["listening_s"]
    # Two workers warmed before ready cost more CPU at start than a broker that starts none.
    assert figures["prewarm"]["start_cpu_ms"] > figures["on_demand"]["start_cpu_ms"]
    assert isinstance(figures["met"], bool)
    assert len(lines) == len(pdf_first_bench.MODES)
