"""Holding Ctrl-C and SIGTERM over a few steps that must happen together.

Used where an ending must not fall between steps: numba compiling a kernel (`kernels`), a
calibration creating a trial and naming its process. Signals only, no numba: the layers above
import it without loading the engine.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["uninterrupted"]

_DEFERRED = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Keep Ctrl-C and SIGTERM out of the block: one arriving inside is acted on right after
    it, as it would have been (a few steps that must happen together, such as compiling a
    kernel or creating a trial and naming its process). Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    saved = {s: signal.getsignal(s) for s in _DEFERRED}
    for s in _DEFERRED:
        signal.signal(s, lambda signum, frame: arrived.append(signum))
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        for signum in arrived[:1]:
            handler = saved[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)
