"""Holding Ctrl-C and SIGTERM over a few steps that must happen together, and Ctrl-C kept
out of numba's code and of the places where Python drops it.

Used where an ending must not fall between steps: numba compiling a kernel (`kernels`), a
calibration creating a trial and naming its process. Signals only, no numba: the layers above
import it without loading the engine.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["ctrl_c_outside_numba", "release", "uninterrupted"]

_DEFERRED = (signal.SIGINT, signal.SIGTERM)

_open: list[tuple[dict[int, Any], list[int], bool]] = []
"""The `uninterrupted` blocks open, outermost first: the handlers each replaced, the signals
that arrived in it, whether `release` may act in it."""


@contextmanager
def uninterrupted(*, releasable: bool = False) -> Iterator[None]:
    """Keep Ctrl-C and SIGTERM out of the block: one arriving inside is acted on right after
    it, as it would have been (a few steps that must happen together, such as compiling a
    kernel or creating a trial and naming its process), or at a `release` inside a
    `releasable` block. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    saved = {s: signal.getsignal(s) for s in _DEFERRED}
    for s in _DEFERRED:
        signal.signal(s, lambda signum, frame: arrived.append(signum))
    _open.append((saved, arrived, releasable))
    try:
        yield
    finally:
        _open.pop()
        for s, handler in saved.items():
            signal.signal(s, handler)
        for signum in arrived[:1]:
            _deliver(signum, saved[signum])


def release() -> None:
    """Act now on a signal that arrived in the open `uninterrupted` blocks, as their ends
    would, if every one of them is `releasable`: a point inside them where stopping is safe
    (one compile done inside another, whose typing an exception ends cleanly). Does nothing
    outside the main thread, whose blocks these are."""
    if threading.current_thread() is not threading.main_thread():
        return
    if not _open or not all(releasable for _, _, releasable in _open):
        return
    arrived = [signum for _, signals, _ in _open for signum in signals]
    for _, signals, _ in _open:
        signals.clear()
    for signum in arrived[:1]:
        _deliver(signum, _open[0][0][signum])


def _deliver(signum: int, handler: Any) -> None:
    """`signum` to `handler` (one a block replaced) as it would have come: called, or the
    default action."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.signal(signum, handler)
        signal.raise_signal(signum)


# Inside numba's own Python code (a compile, a kernel calling back to unpickle a constant) an
# exception raised by a signal handler is lost: the kernel returns with it pending (SystemError)
# or is left half-built (RuntimeError). Files there are numba's or llvmlite's.
_NUMBA = (f"{os.sep}numba{os.sep}", f"{os.sep}llvmlite{os.sep}")
RETRY = 0.02
"""Seconds after which a Ctrl-C that arrived inside numba is delivered again."""


def _in_numba(frame: FrameType | None) -> bool:
    while frame is not None:
        if any(part in frame.f_code.co_filename for part in _NUMBA):
            return True
        frame = frame.f_back
    return False


def _again(signum: int) -> None:
    # to whoever handles it now (ours, or `uninterrupted` holding it), unless the block has
    # ended and Python's own handler is back
    if signal.getsignal(signum) is not signal.default_int_handler:
        os.kill(os.getpid(), signum)


def _ctrl_c(signum: int, frame: FrameType | None) -> None:
    """KeyboardInterrupt where Python can carry it; inside numba, the same Ctrl-C again a
    moment later, once the kernel or compile has returned."""
    if _in_numba(frame):
        threading.Timer(RETRY, _again, (signum,)).start()
        return
    raise KeyboardInterrupt


def _caught(previous: Any) -> Any:
    """`sys.unraisablehook` but for a KeyboardInterrupt, which Python drops where it cannot
    carry it (raised in a finalizer or a callback, where a Ctrl-C may land): the same Ctrl-C
    again a moment later, as inside numba."""

    def hook(unraisable: Any) -> None:
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            threading.Timer(RETRY, _again, (signal.SIGINT,)).start()
        else:
            previous(unraisable)

    return hook


@contextmanager
def ctrl_c_outside_numba() -> Iterator[None]:
    """Within the block Ctrl-C raises KeyboardInterrupt only outside numba's code (see
    `_ctrl_c`) and again if Python dropped it (`_caught`), so a command stopped mid-run ends
    cleanly. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGINT, _ctrl_c)
    hook = sys.unraisablehook
    sys.unraisablehook = _caught(hook)
    try:
        yield
    finally:
        sys.unraisablehook = hook
        signal.signal(signal.SIGINT, saved)
