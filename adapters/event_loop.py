"""The event loop jjj's servers run on: uvloop's when it is installed, else asyncio's own.

The broker (``jjj serve``) and the regional nodes (``jjj-node serve``) take it from here, and so do the benchmark's
broker and nodes, so the benchmark measures what is deployed. Here, not in the broker, because a node is deployed
without the broker (the broker imports the node's client side anyway). Measured: about 0.5 ms less CPU per report in
the broker, and about 0.3 ms (8–9 %) less per query in a node (bench, same-minute A/B, 3 December).
"""

from __future__ import annotations

import asyncio


def fast_event_loop() -> asyncio.AbstractEventLoop | None:
    """A new uvloop event loop, or None without uvloop."""
    try:
        import uvloop
    except ImportError:
        return None
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def new_event_loop() -> asyncio.AbstractEventLoop:
    """:func:`fast_event_loop`, or asyncio's default loop without uvloop (a factory for ``asyncio.Runner``)."""
    return fast_event_loop() or asyncio.new_event_loop()


def event_loop_name() -> str:
    """``"uvloop"`` or ``"asyncio"``: which loop :func:`new_event_loop` makes here."""
    loop = fast_event_loop()
    if loop is None:
        return "asyncio"
    loop.close()
    return "uvloop"
