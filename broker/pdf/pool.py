"""A warm pool of PDF rendering processes, so that rendering never blocks the event loop.

Layout and font work is CPU-bound pure Python plus pango/harfbuzz: a thread would hold the GIL, so renders
run in a :class:`~concurrent.futures.ProcessPoolExecutor` whose workers load weasyprint, the fonts and the
stylesheet once (the initializer renders, and signs, a sample report) and then only lay out and write. Each
worker optionally signs what it renders (PAdES, :mod:`broker.pdf.sign`) with the signer loaded once.

Workers are started with ``spawn`` (never ``fork`` from a process that runs an event loop and threads) and
replaced after ``max_tasks_per_child`` renders, which bounds whatever a long run would accumulate
(weasyprint and pango keep per-process caches).

A worker costs about a second of CPU to start (interpreter, weasyprint and pyhanko imports, the font
configuration, a first render); a PDF asked of a pool that was never started pays that, and more while the
other workers start beside it. :meth:`PdfRenderer.start` pays it up front and :attr:`PdfRenderer.state` says
honestly where the pool is (:class:`PoolState`), for the readiness check.

Usage (in the app's ``cleanup_ctx``)::

    renderer = PdfRenderer(workers=2, keyring=keyring)
    await renderer.start()  # or asyncio.create_task(renderer.prewarm())
    pdf = await renderer.render(report, verification_code=code, verify_url=url, canonical_json=data)
    renderer.close()
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from enum import StrEnum

from broker.keys import KeyRing
from broker.pdf import worker
from merge.report import Report

log = logging.getLogger("jjj.broker.pdf")

#: How long a start probe keeps a warm worker busy, so that the next probe waits for another worker.
_PROBE_HOLD_S = 0.05


class PoolState(StrEnum):
    """Where the pool is: ``on_demand`` (never started: the first PDF starts a worker and waits for it),
    ``warming`` (:meth:`PdfRenderer.start` running), ``ready`` (every worker warm), ``failed`` (a worker could
    not start; :attr:`PdfRenderer.error` says why)."""

    ON_DEMAND = "on_demand"
    WARMING = "warming"
    READY = "ready"
    FAILED = "failed"


class PdfRenderer:
    """Renders (and, given a key ring, signs) report PDFs in ``workers`` warm processes."""

    def __init__(self, *, workers: int = 2, max_tasks_per_child: int | None = 1000, keyring: KeyRing | None = None):
        if workers < 1:
            raise ValueError("workers: must be at least 1")
        if max_tasks_per_child is not None and max_tasks_per_child < 1:
            raise ValueError("max_tasks_per_child: must be at least 1 or None")
        signer: worker.SignerPaths | None = None
        if keyring is not None:
            signer = (keyring.signer_key, keyring.signer_cert, keyring.ca_cert)
        self.workers = workers
        self.signs = signer is not None
        self.state = PoolState.ON_DEMAND
        self.error = ""
        #: What each worker's start cost, phase by phase (:func:`broker.pdf.worker.startup`), once started.
        self.startups: list[worker.Startup] = []
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.init_worker,
            initargs=(signer,),
            max_tasks_per_child=max_tasks_per_child,
        )

    async def start(self) -> None:
        """Prepare the fonts (once per machine, ~30 s the very first time) and start and warm every worker;
        returns once each of them has rendered and signed its sample report. Raises what a worker's start
        raised, with :attr:`state` ``failed``."""
        from broker.pdf.fonts import ensure_fonts

        self.state = PoolState.WARMING
        try:
            await asyncio.to_thread(ensure_fonts)
            self.startups = await self._until_every_worker_answers()
        except Exception as exc:
            self.state, self.error = PoolState.FAILED, f"{type(exc).__name__}: {exc}"[:300]
            raise
        self.state = PoolState.READY

    async def prewarm(self) -> None:
        """:meth:`start` for a background task: logs instead of raising, and leaves :attr:`state` to tell."""
        try:
            await self.start()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("PDF worker pool failed to start; PDF downloads will fail")
            return
        phases = ", ".join(f"{name} {ms:.0f} ms" for name, ms in self.startups[0].wall_ms.items())
        log.info("PDF worker pool ready: %d workers (first worker: %s)", self.workers, phases)

    async def _until_every_worker_answers(self) -> list[worker.Startup]:
        # A worker takes jobs only once its initializer is done, so a probe answered by a process proves that
        # process warm. Each probe holds its worker a moment, so that an already warm worker does not take every
        # probe while another is still starting; probes are sent until every worker has answered.
        loop = asyncio.get_running_loop()
        seen: dict[int, worker.Startup] = {}
        while len(seen) < self.workers:
            missing = self.workers - len(seen)
            probes = (loop.run_in_executor(self._executor, worker.startup, _PROBE_HOLD_S) for _ in range(missing))
            for answer in await asyncio.gather(*probes):
                if answer.error:
                    raise worker.WorkerNotStarted(f"a PDF worker could not start: {answer.error}")
                seen.setdefault(answer.pid, answer)
        return list(seen.values())

    async def render(self, report: Report, *, verification_code: str, verify_url: str, canonical_json: bytes) -> bytes:
        """The report's PDF/A-3b bytes (signed when the renderer has a key ring), rendered in a worker."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, worker.render_job, report, verification_code, verify_url, canonical_json
        )

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for memory measurements)."""
        return sorted(self._executor._processes)

    def close(self) -> None:
        """Stop the workers; renders already submitted finish first."""
        self._executor.shutdown(wait=True, cancel_futures=False)
