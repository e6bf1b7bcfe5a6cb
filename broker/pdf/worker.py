"""What runs inside a PDF worker process of :class:`broker.pdf.pool.PdfRenderer`: its initializer, which makes
the process warm and records what each step of that cost, and the jobs the pool sends it.

A worker starts in phases, and :class:`Startup` keeps each one's wall time, so that the cost of a cold
start can be read rather than guessed: ``spawn`` (the new interpreter until the initializer runs: Python
itself and unpickling the call, which imports this module and what it imports), ``weasyprint`` (importing
it: pango, fontconfig and harfbuzz through cffi), ``engine`` (fonts, font configuration, stylesheets:
:func:`broker.pdf.render.warm_up` builds them), ``first_render`` (the sample report, so that the first real
render finds every code path and cache ready), ``signer`` (pyhanko's import and the key) and ``first_sign``.
"""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from merge.report import Report

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer

#: Paths of the signer's key, certificate and CA certificate, as the workers load them.
SignerPaths = tuple[Path, Path, Path]


@dataclass(frozen=True, slots=True)
class Startup:
    """One worker's start: its pid, each phase's wall milliseconds, the CPU milliseconds of the whole, and
    why it failed (empty when it did not)."""

    pid: int
    wall_ms: dict[str, float] = field(default_factory=dict)
    cpu_ms: float = 0.0
    error: str = ""


_signer: Signer | None = None
_startup = Startup(pid=0)


def _process_age_s() -> float:
    """Seconds since this process was created (``/proc/self/stat`` start time; 0 where there is no /proc)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))


def init_worker(signer_paths: SignerPaths | None) -> None:
    """Runs once in each worker: load everything a render needs, render (and sign) once, then keep GC off the
    warm set. A failure is kept, not raised: raised, it would break the whole pool and leave only "a process
    terminated abruptly"; kept, :func:`startup` reports it and every render raises it."""
    global _startup
    phases: dict[str, float] = {"spawn": round(_process_age_s() * 1000, 1)}
    try:
        _warm(signer_paths, phases)
    except Exception as exc:
        _startup = Startup(os.getpid(), phases, _cpu_ms(), error=f"{type(exc).__name__}: {exc}"[:300])
        return
    _startup = Startup(pid=os.getpid(), wall_ms=phases, cpu_ms=_cpu_ms())


def _warm(signer_paths: SignerPaths | None, phases: dict[str, float]) -> None:
    global _signer
    mark = time.perf_counter()

    def done(phase: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[phase] = round((now - mark) * 1000, 1)
        mark = now

    import weasyprint  # noqa: F401 - imported here to time it apart from the rest

    done("weasyprint")
    from broker.pdf import render

    render.engine_ready()
    done("engine")
    pdf = render.warm_up()
    done("first_render")
    if signer_paths is not None:
        from broker.pdf.sign import load_signer, sign_with

        _signer = load_signer(*signer_paths)
        done("signer")
        sign_with(pdf, _signer)
        done("first_sign")
    # The fonts, stylesheets and modules now loaded live as long as the process: move them out of the
    # collector's sight, so that collections during a render only scan that render's objects.
    gc.collect()
    gc.freeze()


def _cpu_ms() -> float:
    times = os.times()
    return round((times.user + times.system) * 1000, 1)


def startup(hold_s: float = 0.0) -> Startup:
    """This worker's :class:`Startup`, after holding the worker ``hold_s`` seconds (see the pool's start)."""
    if hold_s:
        time.sleep(hold_s)
    return _startup


class WorkerNotStarted(RuntimeError):
    """This worker's start failed (the message says why); it renders nothing."""


def render_job(report: Report, verification_code: str, verify_url: str, canonical_json: bytes) -> bytes:
    if _startup.error:
        raise WorkerNotStarted(f"the PDF worker could not start: {_startup.error}")
    from broker.pdf.render import render_pdf

    pdf = render_pdf(report, verification_code=verification_code, verify_url=verify_url, canonical_json=canonical_json)
    if _signer is not None:
        from broker.pdf.sign import sign_with

        pdf = sign_with(pdf, _signer)
    return pdf
