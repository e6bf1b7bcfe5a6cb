"""The benchmark runs end to end in its tiniest configuration and writes a well-formed results file.

No timing is asserted: only that every part ran against the real nodes, broker and Redis, and that the
document has the figures the table and the README quote.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.runner import Sizes, run_all
from bench.table import render_table

TINY = Sizes(
    "tiny",
    typical_per_region=2,
    large_per_region=20,
    fanout_s=0.3,
    throughput_s=0.3,
    cpu_s=0.3,
    warmup_s=0.1,
    merge_rounds=1,
    large_reports=1,
)


def test_tiny_run_writes_results_with_every_figure(tmp_path: Path) -> None:
    lines: list[str] = []
    document = run_all(
        TINY,
        parts=("fanout", "throughput", "cpu", "merge", "large_subject"),
        results_dir=tmp_path,
        progress=lines.append,
    )
    results = document["results"]
    assert not [name for name, part in results.items() if "error" in part], results

    written = json.loads(Path(document["path"]).read_text())
    assert not (tmp_path / "latest.json").exists()  # a run of some parts only never replaces the latest full one
    assert written["results"].keys() == {"fanout", "throughput", "cpu", "merge", "large_subject"}
    assert Path(document["path"]).parent == tmp_path
    assert written["machine"]["cores"] >= 1
    assert written["machine"]["python"]

    fanout, throughput = results["fanout"], results["throughput"]
    assert [level["concurrency"] for level in fanout["levels"]] == [1, 16, 64]
    for level in fanout["levels"]:
        assert level["requests"] > 0
        assert level["errors"] == 0
        # Every seeded record reached the report (the merge of the same records says how many that is).
        assert level["records_per_report"] == throughput["jjj"]["records_per_report"] > 0
        # The broker reports the slowest region's latency; the injected 40 ms is a floor for it.
        assert level["slowest_region_p50_ms"] >= 40
    for name in ("skeleton", "sequential", "jjj"):
        assert throughput[name]["requests"] > 0
        assert throughput[name]["errors"] == 0
    assert throughput["jjj"]["records_per_report"] == throughput["skeleton"]["records_per_report"]
    cpu = results["cpu"]
    assert [level["concurrency"] for level in cpu["whole_stack"]] == [1, 16]
    for level in cpu["whole_stack"]:
        assert level["errors"] == 0
        assert set(level["cpu_ms_per_report"]) == {"broker", "node_beijing", "node_tianjin", "node_hebei"}
        assert level["cpu_ms_per_report"]["broker"] > 0
    assert cpu["capacity"]["jjj"]["errors"] == cpu["capacity"]["skeleton"]["errors"] == 0
    assert cpu["capacity"]["jjj_over_skeleton"] > 0
    assert results["merge"]["records"] == 60
    assert results["merge"]["verify_ms"] > 0
    assert results["merge"]["canonical_bytes"] > 0
    large = results["large_subject"]
    assert large["records_in_report"] == results["merge"]["records_in_report"] > 50
    assert large["broker_peak_mb"] >= large["broker_rss_after_start_mb"] > 0
    assert isinstance(large["met"], bool)

    table = render_table(written)
    assert "Fan-out overhead p50 / p99, concurrency 16" in table
    assert "failed" not in table
    assert any(line.startswith("[large_subject]") for line in lines)
