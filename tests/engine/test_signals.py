"""Ctrl-C held over steps that must happen together."""

import os
import signal
import sys
import threading
import time

import pytest

from sim.engine.signals import ctrl_c_outside_numba, release, uninterrupted


def test_an_interrupt_inside_uninterrupted_comes_right_after_it() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with uninterrupted():
            signal.raise_signal(signal.SIGINT)
            steps.append("after the signal, still inside")
        steps.append("never")
    assert steps == ["after the signal, still inside"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_release_acts_on_a_held_interrupt_inside_releasable_blocks_only() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt), uninterrupted(releasable=True):
        with uninterrupted(releasable=True):
            signal.raise_signal(signal.SIGINT)
        steps.append("the inner block over")
        release()
        steps.append("never")
    with pytest.raises(KeyboardInterrupt), uninterrupted():
        with uninterrupted(releasable=True):
            signal.raise_signal(signal.SIGINT)
        release()
        steps.append("held to the end of the outer block")
    release()  # no block open: nothing
    assert steps == ["the inner block over", "held to the end of the outer block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_release_outside_the_main_thread_leaves_its_held_interrupt_alone() -> None:
    steps = []

    def elsewhere() -> None:
        try:
            release()
        except KeyboardInterrupt:
            steps.append("raised in the other thread")

    with pytest.raises(KeyboardInterrupt), uninterrupted(releasable=True):
        signal.raise_signal(signal.SIGINT)
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        steps.append("still held")
    assert steps == ["still held"]


def _frame_in(path: str):  # type: ignore[no-untyped-def]
    """A live frame of code whose file is `path`."""
    ns: dict = {}
    exec(compile("import sys\ndef here():\n    return sys._getframe()\n", path, "exec"), ns)
    return ns["here"]()


def test_ctrl_c_inside_numba_comes_again_once_outside() -> None:
    numba_frame = _frame_in(os.path.join(os.sep, "venv", "numba", "core", "serialize.py"))
    with ctrl_c_outside_numba():
        handler = signal.getsignal(signal.SIGINT)
        handler(signal.SIGINT, numba_frame)  # inside numba: nothing raised now
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            while time.monotonic() - started < 5:
                time.sleep(0.001)
        assert time.monotonic() - started < 2  # the same Ctrl-C, a moment later
        with pytest.raises(KeyboardInterrupt):
            handler(signal.SIGINT, sys._getframe())  # outside numba: at once
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class _Finalized:
    """An object whose finalizer a Ctrl-C lands in (Python ignores what a finalizer raises)."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


def test_ctrl_c_that_lands_in_a_finalizer_comes_again_outside_it() -> None:
    with ctrl_c_outside_numba():
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            _Finalized()  # finalized at once, the Ctrl-C raised inside and ignored there
            while time.monotonic() - started < 5:
                time.sleep(0.001)
        assert time.monotonic() - started < 2  # the same Ctrl-C, a moment later
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
