"""A Ctrl-C while numba compiles a kernel waits for the compile: the kernel is whole after it."""

import signal

import numpy as np
import pytest
from numba.core import event

from sim.engine.kernels import njit


class _CtrlCAtCompile(event.Listener):
    """Ctrl-C the moment numba starts compiling (its own event, inside the compile)."""

    def on_start(self, ev: event.Event) -> None:
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
