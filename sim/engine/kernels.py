"""The engine's numba kernels: compiled on first use, cached on disk, never half-built.

Numba compiles a kernel on its first call, partly inside LLVM callbacks where Python swallows a
Ctrl-C ("Exception ignored on calling ctypes callback") and the kernel is left without its code
(`RuntimeError: no compiled object yet`, a traceback where the user expected a clean stop).
Every engine module takes `njit` and `ufunc` from here, and importing this module makes each
numba compile hold Ctrl-C and SIGTERM until it ends: a signal arriving inside is acted on right
after, as it would have been, or once a kernel it calls has compiled.

Its cache is numba's, but for what makes a cached kernel current: numba compares the source of a
kernel's own module only, while a kernel compiles in the code of the kernels it calls from other
modules, so an edit to `draws.py` alone left every other module's kernels running the old draws
from the cache. Importing this module stamps each engine kernel's cache with a digest of the
whole engine's source (`_WholeEngine`): an edit anywhere in the engine recompiles every kernel.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types, vectorize
from numba.core import cgutils
from numba.core.caching import CacheImpl
from numba.core.dispatcher import Dispatcher
from numba.extending import intrinsic
from numba.np.ufunc.ufuncbuilder import UFuncDispatcher

from sim.engine.signals import release, uninterrupted

__all__ = ["AHEAD", "njit", "prefetch", "ufunc"]


def _held(compile: Callable[..., Any]) -> Callable[..., Any]:
    """`compile` run with Ctrl-C and SIGTERM held (marked, so wrapping twice is a no-op)."""
    if getattr(compile, "_held", False):
        return compile

    @functools.wraps(compile)
    def held(*args: Any, **kwargs: Any) -> Any:
        with uninterrupted(releasable=True):
            compiled = compile(*args, **kwargs)
        # Done inside another kernel's compile (a kernel it calls): a signal held so far is
        # acted on now, and the outer compile, still typing, ends cleanly; a kernel compiling
        # its callees is held for as long as its longest piece (~1 s), not the whole (~9 s).
        release()
        return compiled

    held._held = True  # type: ignore[attr-defined]
    return held


# The two places numba compiles: a jitted function's dispatcher, and a ufunc's (`vectorize`).
Dispatcher.compile = _held(Dispatcher.compile)  # type: ignore[method-assign]
UFuncDispatcher.compile = _held(UFuncDispatcher.compile)  # type: ignore[method-assign]


ENGINE = Path(__file__).resolve().parent


def source_digest(folder: Path) -> str:
    """A digest of the Python files under `folder`: their names and contents."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _engine_digest() -> str:
    return source_digest(ENGINE)


class _WholeEngine:
    """The cache locator of an engine kernel: the one numba would choose, its source stamp
    joined by the digest of the whole engine's source. A stamp that differs from the cached
    one is a stale cache to numba, which compiles the kernel again and overwrites it."""

    def __init__(self, found: Any) -> None:
        self._found = found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._found, name)

    def get_source_stamp(self) -> Any:
        return (self._found.get_source_stamp(), _engine_digest())

    @classmethod
    def from_function(cls, py_func: Callable[..., Any], py_file: str) -> _WholeEngine | None:
        if not Path(py_file).resolve().is_relative_to(ENGINE):
            return None
        for numbas in _NUMBAS:
            found = numbas.from_function(py_func, py_file)
            if found is not None:
                return cls(found)
        return None


_NUMBAS = [c for c in CacheImpl._locator_classes if c.__name__ != _WholeEngine.__name__]
CacheImpl._locator_classes[:] = [_WholeEngine, *_NUMBAS]


AHEAD = 16
"""How many consumers ahead a kernel's loop asks for the rows it will read (`prefetch`): far
enough for memory to answer (some 100 ns) while the loop does the rows between."""


@intrinsic
def prefetch(typingctx: Any, array: Any, index: Any) -> Any:
    """Ask the processor to fetch `array[index]` into its caches, and go on (LLVM's prefetch:
    a hint that never faults, so an index past the end is harmless). A loop over consumers
    picked at random rows of many arrays waits on memory about once a row and array; asked a
    few consumers ahead, the rows arrive while it works (at a million consumers product use
    took 30 % less). `index` is a tuple of indices for a table: `prefetch(attitude, (i, 0))`,
    where `prefetch(attitude[i], 0)` would make a view of the row, two atomic reference counts
    that cost more than the fetch saves."""
    if not isinstance(array, types.Array):
        return None
    if isinstance(index, types.Integer):
        count = 1
    elif isinstance(index, types.BaseTuple) and all(isinstance(i, types.Integer) for i in index):
        count = len(index)
    else:
        return None
    if count != array.ndim:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        kind = signature.args[0]
        values = context.make_array(kind)(context, builder, args[0])
        at_index = [args[1]] if count == 1 else cgutils.unpack_tuple(builder, args[1], count)
        at = cgutils.get_item_pointer(context, builder, kind, values, at_index, wraparound=False)
        byte = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        hint = ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32])
        fetch = cgutils.get_or_insert_function(builder.module, hint, "llvm.prefetch.p0i8")
        # a read, kept in every level of cache, of data
        builder.call(fetch, [builder.bitcast(at, byte), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


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
