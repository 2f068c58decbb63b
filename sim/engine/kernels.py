"""The engine's numba kernels: compiled on first use, cached on disk, never half-built.

Numba compiles a kernel on its first call, partly inside LLVM callbacks where Python swallows a
Ctrl-C ("Exception ignored on calling ctypes callback") and the kernel is left without its code
(`RuntimeError: no compiled object yet`, a traceback where the user expected a clean stop).
Every engine module takes `njit` and `vectorize` from here, and importing this module makes
each numba compile hold Ctrl-C and SIGTERM until it ends: a signal arriving inside is acted on
right after, as it would have been.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from numba import njit, vectorize
from numba.core.dispatcher import Dispatcher
from numba.np.ufunc.ufuncbuilder import UFuncDispatcher

from sim.engine.signals import uninterrupted

__all__ = ["njit", "vectorize"]


def _held(compile: Callable[..., Any]) -> Callable[..., Any]:
    """`compile` run with Ctrl-C and SIGTERM held (marked, so wrapping twice is a no-op)."""
    if getattr(compile, "_held", False):
        return compile

    @functools.wraps(compile)
    def held(*args: Any, **kwargs: Any) -> Any:
        with uninterrupted():
            return compile(*args, **kwargs)

    held._held = True  # type: ignore[attr-defined]
    return held


# The two places numba compiles: a jitted function's dispatcher, and a ufunc's (`vectorize`).
Dispatcher.compile = _held(Dispatcher.compile)  # type: ignore[method-assign]
UFuncDispatcher.compile = _held(UFuncDispatcher.compile)  # type: ignore[method-assign]
