"""The engine's numba kernels: compiled on first use, cached on disk, never half-built.

Numba compiles a kernel on its first call, partly inside LLVM callbacks where Python swallows a
Ctrl-C ("Exception ignored on calling ctypes callback") and the kernel is left without its code
(`RuntimeError: no compiled object yet`, a traceback where the user expected a clean stop).
Every engine module takes `njit` and `ufunc` from here, and importing this module makes each
numba compile hold Ctrl-C and SIGTERM until it ends: a signal arriving inside is acted on right
after, as it would have been.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, vectorize
from numba.core.dispatcher import Dispatcher
from numba.np.ufunc.ufuncbuilder import UFuncDispatcher

from sim.engine.signals import uninterrupted

__all__ = ["njit", "ufunc"]


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


_TYPES = {"float": "float64", "int": "int64", "bool": "boolean"}


@functools.cache
def ufunc(formula: Dispatcher) -> np.ufunc:
    """The scalar kernel `formula` over arrays, broadcasting as numpy does: a numba ufunc typed
    from its annotations (float, int, bool), built on first use and kept.

    The moments' kernels call a formula on one consumer at a time; arrays need its ufunc only in
    the public functions. Building one costs ~40 ms even from numba's disk cache (its loop is
    compiled anew), which fourteen formulas built at import made ~0.6 s in every process.
    """
    signature = inspect.signature(formula.py_func)
    types = [_type(p.annotation) for p in signature.parameters.values()]
    result = _type(signature.return_annotation)
    return vectorize([f"{result}({', '.join(types)})"], cache=True)(formula.py_func)


def _type(annotation: Any) -> str:
    """numba's name of a scalar annotation (a type, or its name under postponed annotations)."""
    return _TYPES[getattr(annotation, "__name__", annotation)]
