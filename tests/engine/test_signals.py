"""Ctrl-C held over steps that must happen together."""

import signal

import pytest

from sim.engine.signals import uninterrupted


def test_an_interrupt_inside_uninterrupted_comes_right_after_it() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with uninterrupted():
            signal.raise_signal(signal.SIGINT)
            steps.append("after the signal, still inside")
        steps.append("never")
    assert steps == ["after the signal, still inside"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
