"""The results document as a Markdown table: each figure next to its target (what the README shows)."""

from __future__ import annotations

from typing import Any

Row = tuple[str, str, str, str]


def _mark(met: object) -> str:
    return "yes" if met is True else "no" if met is False else "–"


def _fanout(part: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for level in part["levels"]:
        c = level["concurrency"]
        target = "p50 ≤ 5, p99 ≤ 20" if c == part["target"]["concurrency"] else ""
        met = _mark(part["met"]) if c == part["target"]["concurrency"] else ""
        figure = f"{level['overhead_p50_ms']} / {level['overhead_p99_ms']} ms ({level['reports_per_s']} reports/s)"
        rows.append((f"Fan-out overhead p50 / p99, concurrency {c}", figure, target, met))
    return rows


def _throughput(part: dict[str, Any]) -> list[Row]:
    return [
        ("Throughput, skeleton (reports/s)", str(part["skeleton"]["reports_per_s"]), "", ""),
        ("Throughput, sequential baseline (reports/s)", str(part["sequential"]["reports_per_s"]), "", ""),
        (
            "Throughput, jjj (reports/s)",
            f"{part['jjj']['reports_per_s']} ({part['jjj_over_skeleton']} × skeleton)",
            "≥ 0.5 × skeleton",
            _mark(part["met"]),
        ),
    ]


def _cpu(part: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for level in part["whole_stack"]:
        cpu = level["cpu_ms_per_report"]
        nodes = ", ".join(f"{k.removeprefix('node_')} {v}" for k, v in cpu.items() if k.startswith("node_"))
        figure = f"broker {cpu['broker']} ms; nodes {nodes} ms ({level['reports_per_s']} reports/s)"
        rows.append((f"CPU per report, concurrency {level['concurrency']}", figure, "broker ≤ 2, node ≤ 1", ""))
    met = part["met"]
    rows.append(("CPU: broker per standard report (worst level)", f"{part['broker_cpu_ms_per_report']} ms", "≤ 2 ms",
                 _mark(met["broker_cpu"])))  # fmt: skip
    rows.append(("CPU: node per query (worst node and level)", f"{part['node_cpu_ms_per_query']} ms", "≤ 1 ms",
                 _mark(met["node_cpu"])))  # fmt: skip
    capacity = part["capacity"]
    figure = (
        f"jjj {capacity['jjj']['reports_per_s']} vs skeleton {capacity['skeleton']['reports_per_s']} reports/s "
        f"({capacity['jjj_over_skeleton']} ×); light nodes' CPU {capacity['jjj']['cpu_ms_per_report']}"
    )
    rows.append(("Broker capacity, nodes not the bottleneck (c16)", figure, "≥ 0.5 × skeleton", _mark(met["capacity"])))
    rows.append(("Whole stack, SQLite nodes (c16, reports/s)", str(part["whole_stack_reports_per_s"]), "", ""))
    return rows


def _merge(part: dict[str, Any]) -> list[Row]:
    figure = (
        f"{part['total_ms']} ms wall, {part['total_cpu_ms']} ms CPU (verify {part['verify_ms']}, validate "
        f"{part['validate_ms']}, merge {part['merge_ms']}, canonical {part['canonical_ms']})"
    )
    choices = part.get("choices", {})
    rows = [
        (f"Merge: verify + validate + merge + canonicalise {part['records']:,} records", figure, "≤ 50 ms",
         _mark(part["met"])),
        ("Merge: merge + canonicalise alone (no target)", f"{part['merge_and_canonical_ms']} ms", "", ""),
    ]  # fmt: skip
    if choices:
        rows.append(
            (
                "Choice: Ed25519 over the document vs over its SHA-256 header (sign / verify, 3 docs)",
                f"{choices['ed25519_over_document_sign_ms']} / {choices['ed25519_over_document_verify_ms']} vs "
                f"{choices['sha256_header_sign_ms']} / {choices['sha256_header_verify_ms']} ms",
                "",
                "",
            )
        )
        rows.append(("Choice: msgspec read_document vs pydantic-core validate_json (records)",
                     f"{choices['msgspec_read_document_ms']} vs {choices['pydantic_validate_json_records_ms']} ms; "
                     f"full-resident-ID check {choices['full_resident_id_check_ms']} ms", "", ""))  # fmt: skip
    return rows


def _large(part: dict[str, Any]) -> list[Row]:
    figure = (
        f"peak {part['broker_peak_mb']} MB (after start {part['broker_rss_after_start_mb']} MB); "
        f"{part['records_in_report']:,} records in {part['wall_p50_ms']} ms"
    )
    return [
        ("Large subject: end to end, p50", f"{part['wall_p50_ms']} ms", "≤ 300 ms", _mark(part.get("met_latency"))),
        ("Large subject: broker peak memory", figure, "≤ 150 MB", _mark(part["met"])),
    ]


def _node(part: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    target = part["target"]["cpu_ms_per_query_max"]
    for backend, paths in part["backends"].items():
        for path, figures in paths.items():
            levels = " / ".join(
                f"{level['cpu_ms_per_query']} ms" if "error" not in level else "failed" for level in figures["levels"]
            )
            fast = path == "rows"
            rows.append(
                (f"Node CPU per query, {backend}, {path}, concurrency 1 / 16", levels,
                 f"≤ {target} ms" if fast else "", _mark(part["met"]) if fast else "")
            )  # fmt: skip
    return rows


def _pdf(part: dict[str, Any]) -> list[Row]:
    if "pending" in part:
        return [("PDF", f"pending: {part['pending']}", "", "")]
    rows: list[Row] = []
    two = part.get("two_page", {})
    if two:
        median = two.get("median_ms")
        target = two.get("target_median_ms", 300)
        met = _mark(median <= target) if isinstance(median, int | float) else "–"
        rows.append(("PDF: 2-page report, median render", f"{median} ms", f"≤ {target} ms", met))
    large = part.get("large", {})
    if large:
        figure = f"{large.get('seconds')} s, worker peak {large.get('worker_peak_rss_mib')} MiB"
        rows.append((f"PDF: {large.get('records')}-record report", figure, "", ""))
    memory = part.get("memory", {})
    if memory:
        rows.append(
            ("PDF: memory growth, later vs earlier renders", f"{memory.get('growth', 0) * 100:.1f} %", "≤ 10 %",
             _mark(memory.get("within_target")))
        )  # fmt: skip
    return rows


def _pdf_first(part: dict[str, Any]) -> list[Row]:
    warm, cold, no_wait = part["prewarm"], part["on_demand"], part["prewarm_no_wait"]
    return [
        (
            "JSON + PDF, one user, p99 incl. first after start (warm pool, once ready)",
            f"{warm['total_p99_ms']} ms (first {max(warm['first_total_ms'])} ms; ready {warm['ready_s']} s after "
            f"start, {warm['start_cpu_ms']:.0f} ms CPU)",
            f"≤ {part['target']['total_p99_ms_max']:.0f} ms",
            _mark(part["met"]),
        ),
        ("JSON + PDF, workers on demand (old default): first / p99", f"{max(cold['first_total_ms'])} / "
         f"{cold['total_p99_ms']} ms", "", ""),
        ("JSON + PDF, warm pool, not waiting for ready: first", f"{max(no_wait['first_total_ms'])} ms", "", ""),
        ("JSON + PDF: CPU per pair (broker + workers), later PDF p50", f"{warm['cpu_per_pair_ms']} ms, "
         f"{warm['later_pdf_p50_ms']} ms", "", ""),
    ]  # fmt: skip


_PARTS = {
    "fanout": _fanout,
    "throughput": _throughput,
    "merge": _merge,
    "cpu": _cpu,
    "large_subject": _large,
    "pdf_first": _pdf_first,
    "node": _node,
    "pdf": _pdf,
}


def render_table(document: dict[str, Any]) -> str:
    rows: list[Row] = []
    for name, part in document["results"].items():
        if "error" in part:
            rows.append((name, f"failed: {part['error']}", "", ""))
            continue
        try:
            rows += _PARTS[name](part)
        except (KeyError, TypeError) as exc:
            rows.append((name, f"(unexpected result shape: {exc!r})", "", ""))
    machine = document["machine"]
    lines = [
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['memory_mb']} MB, "
        f"Python {machine['python']}, commit {str(machine['git_commit'])[:10]}"
        f"{' (dirty)' if machine['git_dirty'] else ''}, load {machine['load_average_at_start']}, "
        f"broker on {document.get('server_event_loop', 'asyncio')}, mode {document['mode']}",
        "",
        "| Figure | Measured | Target | Met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)
