"""A Ctrl-C while numba compiles a kernel waits for the compile (or for a kernel it calls): the
kernel is whole after it, or not built.
A formula's ufunc is typed from its annotations, computes what the scalar kernel does, and is
built only when arrays first need it."""

import signal
import subprocess
import sys

import numpy as np
import pytest
from numba.core import event

from sim.engine.kernels import njit, ufunc
from sim.engine.promotions import _due_price
from sim.engine.touchpoints import _encounter


class _CtrlCAtCompile(event.Listener):
    """Ctrl-C the moment numba starts compiling (its own event, inside the compile): any
    kernel, or only `dispatcher`."""

    def __init__(self, dispatcher: object = None) -> None:
        self.dispatcher = dispatcher

    def on_start(self, ev: event.Event) -> None:
        if self.dispatcher is None or ev.data["dispatcher"] is self.dispatcher:
            signal.raise_signal(signal.SIGINT)

    def on_end(self, ev: event.Event) -> None:
        pass


def test_ctrl_c_during_a_compile_comes_after_it() -> None:
    @njit
    def total(x):  # type: ignore[no-untyped-def]
        s = 0.0
        for v in x:
            s += v
        return s

    with (
        event.install_listener("numba:compile", _CtrlCAtCompile()),
        pytest.raises(KeyboardInterrupt),
    ):
        total(np.ones(3))
    # without the hold the interrupt lands mid-compile and the kernel is left without code
    assert len(total.signatures) == 1
    assert total(np.ones(4)) == 4.0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_a_kernel_compiles_a_callee_comes_once_the_callee_is_done() -> None:
    @njit
    def inner(x):  # type: ignore[no-untyped-def]
        return x + 1.0

    @njit
    def outer(x):  # type: ignore[no-untyped-def]
        return inner(x) * 2.0

    ctrl_c = _CtrlCAtCompile(inner)
    with (
        event.install_listener("numba:compile", ctrl_c),
        pytest.raises(KeyboardInterrupt),
    ):
        outer(1.0)
    # answered once `inner` was done, before `outer` went on: `inner` whole, `outer` not built
    assert len(inner.signatures) == 1 and len(outer.signatures) == 0
    assert outer(1.0) == 4.0  # and it compiles whole afterwards
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_formulas_ufunc_is_its_scalar_kernel_over_arrays() -> None:
    rng = np.random.default_rng(5)
    attitude, quality = rng.uniform(1, 5, 50), rng.uniform(1, 5, 50)
    over = ufunc(_encounter)(attitude, quality, 0.3, 2.0)  # scalars broadcast
    one_by_one = [_encounter(a, q, 0.3, 2.0) for a, q in zip(attitude, quality, strict=True)]
    assert over.tobytes() == np.array(one_by_one).tobytes()
    assert ufunc(_encounter) is ufunc(_encounter)  # built once


def test_an_int_annotation_types_the_ufunc_int64() -> None:
    f = ufunc(_due_price)
    assert f.types == ["ddl->d"]
    assert f(np.array([10.0, 10.0]), 0.25, np.array([2, 0])).tolist() == [7.5, 10.0]


def test_importing_the_engine_builds_no_ufunc() -> None:
    code = "import sim.engine.model, sim.engine.kernels as k;print(k.ufunc.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_an_engine_kernel_is_stale_once_any_file_of_the_engine_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A kernel compiles in the kernels it calls from other modules: its cached code is
    current only while the whole engine's source is, and the stamp numba checks says so."""
    from sim.engine.kernels import ENGINE, _WholeEngine, source_digest
    from sim.engine.moments.smot import _living

    (tmp_path / "draws.py").write_text("A = 1\n")
    (tmp_path / "moments").mkdir()
    (tmp_path / "moments" / "smot.py").write_text("B = 2\n")
    before = source_digest(tmp_path)
    (tmp_path / "draws.py").write_text("A = 3\n")
    edited = source_digest(tmp_path)
    (tmp_path / "draws.py").rename(tmp_path / "drawn.py")
    assert len({before, edited, source_digest(tmp_path)}) == 3

    own, engine = _living._cache._impl._locator.get_source_stamp()
    assert engine == source_digest(ENGINE) and own  # numba's stamp of smot.py, and the engine's
    assert _WholeEngine.from_function(_living.py_func, __file__) is None  # outside: numba's own


def test_prefetch_asks_ahead_without_changing_or_faulting() -> None:
    """`prefetch` is a hint: a loop that asks far past the end of its arrays (some gigabytes
    on) computes what it computes without it; a table is asked for by (row, column)."""
    from numba.core.errors import TypingError

    from sim.engine.kernels import prefetch

    @njit
    def gathered(values, idx, ahead):  # type: ignore[no-untyped-def]
        total = 0.0
        for k in range(idx.shape[0]):
            prefetch(values, idx[k] + ahead)
            total += values[idx[k]]
        return total

    values = np.arange(1000.0)
    idx = np.random.default_rng(1).integers(0, 1000, 5000)
    assert gathered(values, idx, 0) == values[idx].sum()
    assert gathered(values, idx, 1 << 32) == values[idx].sum()

    @njit
    def rows(values, idx, ahead):  # type: ignore[no-untyped-def]
        total = 0.0
        for k in range(idx.shape[0]):
            prefetch(values, (idx[k] + ahead, 1))
            total += values[idx[k], 1]
        return total

    table = np.arange(3000.0).reshape(1000, 3)
    assert rows(table, idx, 0) == rows(table, idx, 1 << 30) == table[idx, 1].sum()

    @njit
    def one_index(values):  # type: ignore[no-untyped-def]
        prefetch(values, 0)

    @njit
    def three_indices(values):  # type: ignore[no-untyped-def]
        prefetch(values, (0, 0, 0))

    for wrong in (one_index, three_indices):
        with pytest.raises(TypingError):
            wrong(table)
