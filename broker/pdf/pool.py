"""A warm pool of PDF rendering processes, so that rendering never blocks the event loop.

Layout and font work is CPU-bound pure Python plus pango/harfbuzz: a thread would hold the GIL, so renders
run in a :class:`~concurrent.futures.ProcessPoolExecutor` whose workers load weasyprint, the fonts and the
stylesheet once (the initializer renders a sample report) and then only lay out and write. Each worker
optionally signs what it renders (PAdES, :mod:`broker.pdf.sign`) with the signer loaded once.

Workers are started with ``spawn`` (never ``fork`` from a process that runs an event loop and threads) and
replaced after ``max_tasks_per_child`` renders, which bounds whatever a long run would accumulate
(weasyprint and pango keep per-process caches).

Usage (in the app's ``cleanup_ctx``)::

    renderer = PdfRenderer(workers=2, keyring=keyring)
    await renderer.start()
    pdf = await renderer.render(report, verification_code=code, verify_url=url, canonical_json=data)
    renderer.close()
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from broker.keys import KeyRing
from merge.report import Report

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer

#: Paths of the signer's key, certificate and CA certificate, as the workers load them.
SignerPaths = tuple[Path, Path, Path]

_signer: Signer | None = None


def _init_worker(signer_paths: SignerPaths | None) -> None:
    """Runs once in each worker: load everything a render needs, render once, then keep GC off the warm set."""
    global _signer
    from broker.pdf import render

    render.warm_up()
    if signer_paths is not None:
        from broker.pdf.sign import load_signer

        _signer = load_signer(*signer_paths)
    # The fonts, stylesheets and modules now loaded live as long as the process: move them out of the
    # collector's sight, so that collections during a render only scan that render's objects.
    gc.collect()
    gc.freeze()


def _render_job(report: Report, verification_code: str, verify_url: str, canonical_json: bytes) -> bytes:
    from broker.pdf.render import render_pdf

    pdf = render_pdf(report, verification_code=verification_code, verify_url=verify_url, canonical_json=canonical_json)
    if _signer is not None:
        from broker.pdf.sign import sign_with

        pdf = sign_with(pdf, _signer)
    return pdf


def _pid() -> int:
    return os.getpid()


class PdfRenderer:
    """Renders (and, given a key ring, signs) report PDFs in ``workers`` warm processes."""

    def __init__(self, *, workers: int = 2, max_tasks_per_child: int | None = 1000, keyring: KeyRing | None = None):
        if workers < 1:
            raise ValueError("workers: must be at least 1")
        if max_tasks_per_child is not None and max_tasks_per_child < 1:
            raise ValueError("max_tasks_per_child: must be at least 1 or None")
        signer: SignerPaths | None = None
        if keyring is not None:
            signer = (keyring.signer_key, keyring.signer_cert, keyring.ca_cert)
        self.workers = workers
        self.signs = signer is not None
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(signer,),
            max_tasks_per_child=max_tasks_per_child,
        )

    async def start(self) -> None:
        """Prepare the fonts (once per machine, ~30 s the very first time) and start every worker now, so the
        first request does not pay for it. Optional: :meth:`render` starts workers on demand too."""
        from broker.pdf.fonts import ensure_fonts

        await asyncio.to_thread(ensure_fonts)
        loop = asyncio.get_running_loop()
        # Submitted back to back, each finds no idle worker and so gets a new process.
        await asyncio.gather(*(loop.run_in_executor(self._executor, _pid) for _ in range(self.workers)))

    async def render(self, report: Report, *, verification_code: str, verify_url: str, canonical_json: bytes) -> bytes:
        """The report's PDF/A-3b bytes (signed when the renderer has a key ring), rendered in a worker."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, _render_job, report, verification_code, verify_url, canonical_json
        )

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for memory measurements)."""
        return sorted(self._executor._processes)

    def close(self) -> None:
        """Stop the workers; renders already submitted finish first."""
        self._executor.shutdown(wait=True, cancel_futures=False)
