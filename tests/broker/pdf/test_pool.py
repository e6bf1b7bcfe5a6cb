"""PdfRenderer: renders in warm worker processes, never blocking the event loop; signs when given keys."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from broker.keys import KeyRing
from broker.pdf.pool import PdfRenderer, PoolState
from broker.pdf.sign import check_pdf_signature_async
from broker.pdf.worker import WorkerNotStarted
from merge.canonical import canonical_json
from merge.report import Report
from tests.broker.pdf.conftest import (
    CODE,
    VERIFY_URL,
    Pdfsig,
    complete_report,
    incomplete_report,
    pdf_a_3b_problems,
    pdftotext,
)


async def render(renderer: PdfRenderer, report: Report) -> bytes:
    return await renderer.render(
        report, verification_code=CODE, verify_url=VERIFY_URL, canonical_json=canonical_json(report)
    )


async def test_renders_and_signs_concurrently_while_the_loop_keeps_ticking(
    tmp_path: Path, pdf_keyring: KeyRing
) -> None:
    renderer = PdfRenderer(workers=2, keyring=pdf_keyring)
    try:
        assert renderer.state is PoolState.ON_DEMAND
        await renderer.start()
        assert renderer.state is PoolState.READY
        pids = renderer.worker_pids()
        assert len(pids) == 2
        assert os.getpid() not in pids
        # start() returned only once each worker had warmed up (it answered only then), signer included.
        assert sorted(s.pid for s in renderer.startups) == pids
        for startup in renderer.startups:
            assert set(startup.wall_ms) == {"spawn", "weasyprint", "engine", "first_render", "signer", "first_sign"}
            assert startup.cpu_ms > 0

        gaps: list[float] = []
        done = asyncio.Event()

        async def tick() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        reports = [complete_report(), incomplete_report(), complete_report(), incomplete_report()]
        started = time.perf_counter()
        pdfs = await asyncio.gather(*(render(renderer, report) for report in reports))
        elapsed = time.perf_counter() - started
        done.set()
        await ticker
    finally:
        renderer.close()

    # Rendering ran in the worker processes, and the event loop kept ticking all along: a render on the loop
    # would have left the ticker a handful of ticks between renders. (Durations are the benchmark's business.)
    assert len(gaps) > 20, len(gaps)
    assert elapsed > 0.1  # the renders really ran while the ticker ticked
    for report, pdf in zip(reports, pdfs, strict=True):
        assert pdf.startswith(b"%PDF-")
        banner = "本报告不完整" in pdftotext(pdf, tmp_path)
        assert banner is (not report.complete)
        assert (await check_pdf_signature_async(pdf, pdf_keyring.ca_cert)).ok


async def test_signed_pdf_from_the_pool_meets_its_claims(pdf_keyring: KeyRing, pdfsig: Pdfsig, tmp_path: Path) -> None:
    # What the broker serves: rendered and signed in a worker, checked by readers nobody here wrote.
    renderer = PdfRenderer(workers=1, keyring=pdf_keyring)
    try:
        report = complete_report()
        pdf = await render(renderer, report)
    finally:
        renderer.close()
    assert await asyncio.to_thread(pdf_a_3b_problems, pdf, canonical_json(report), tmp_path) == []
    out = await asyncio.to_thread(pdfsig, pdf, tmp_path)
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out


async def test_a_worker_that_cannot_start_fails_the_pool_visibly(pdf_keyring: KeyRing, tmp_path: Path) -> None:
    broken = KeyRing(directory=tmp_path / "no-such-keys", active_kid=pdf_keyring.active_kid, keys=pdf_keyring.keys)
    renderer = PdfRenderer(workers=1, keyring=broken)
    try:
        await renderer.prewarm()  # logs, never raises
        assert renderer.state is PoolState.FAILED
        # The reason, not just "a process terminated": the signer's files are not there.
        assert "no-such-keys/broker" in renderer.error
        with pytest.raises(WorkerNotStarted, match="no-such-keys/broker"):
            await render(renderer, complete_report())
    finally:
        renderer.close()


async def test_worker_replaced_after_max_tasks() -> None:
    renderer = PdfRenderer(workers=1, max_tasks_per_child=1)
    try:
        assert not renderer.signs
        await render(renderer, complete_report())
        await asyncio.sleep(0.2)  # let the executor reap the retired worker
        second = await render(renderer, complete_report())
        assert second.startswith(b"%PDF-")
    finally:
        renderer.close()


async def test_workers_leave_no_font_folder_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # weasyprint keeps a configuration's fonts (19 MB here) in a temporary folder that it removes in __del__;
    # a worker process never ran that, so every worker that ever lived left one behind. Workers are spawned,
    # so they make their temporary folders under the TMPDIR they inherit.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    renderer = PdfRenderer(workers=1, max_tasks_per_child=1)
    try:
        await render(renderer, complete_report())
        await asyncio.sleep(0.2)  # the retired worker exits; the next render gets a new one
        await render(renderer, incomplete_report())
    finally:
        renderer.close()
    assert not _font_folders(tmp_path)


def _font_folders(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith("weasyprint-")]


@pytest.mark.parametrize(("kwargs", "field"), [({"workers": 0}, "workers"), ({"max_tasks_per_child": 0}, "max_tasks")])
def test_bad_settings_name_the_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        PdfRenderer(**kwargs)  # type: ignore[arg-type]
