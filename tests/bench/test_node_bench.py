"""The node part of the benchmark runs on the real SQLite and PostgreSQL, in its tiniest size, and its figures
reach the results file and the table. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.runner import Sizes, run_all
from bench.table import render_table

TINY = Sizes("tiny", typical_per_region=2, large_per_region=4, node_queries=20)


@pytest.mark.postgres
def test_tiny_node_run_has_every_backend_path_and_level(tmp_path: Path) -> None:
    document = run_all(TINY, parts=("node",), results_dir=tmp_path, progress=lambda _line: None)
    node = json.loads(Path(document["path"]).read_text())["results"]["node"]
    assert "error" not in node, node
    assert node["backends"].keys() == {"sqlite", "postgresql"}
    for backend, paths in node["backends"].items():
        assert paths.keys() == {"models", "rows"}
        for figures in paths.values():
            assert [level["concurrency"] for level in figures["levels"]] == [1, 16]
            for level in figures["levels"]:
                assert level["queries"] == 20
                assert level["cpu_ms_per_query"] > 0
                assert ("db_server_cpu_ms_per_query" in level) is (backend == "postgresql")
            assert figures["stages_cpu_ms_c1"].keys() == {"verify", "read", "rules", "encode"}
    assert node["worst_cpu_ms_per_query"] == max(
        level["cpu_ms_per_query"] for paths in node["backends"].values() for level in paths["rows"]["levels"]
    )
    assert isinstance(node["met"], bool)
    table = render_table(document)
    assert "Node CPU per query, postgresql, rows, concurrency 1 / 16" in table
    assert "failed" not in table
