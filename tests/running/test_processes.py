"""Processes: telling a live writer from one that is gone, and keeping a few steps together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.running.processes import Terminated, alive, end_by_exception, started

LINUX = Path("/proc/self/stat").is_file()


def test_this_process_is_alive_and_an_ended_one_is_not() -> None:
    assert alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not alive(child.pid)
    assert not alive(0) and not alive(-1)


@pytest.mark.skipif(not LINUX, reason="reads Linux's /proc")
def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        time.sleep(0.01)
    assert not alive(child.pid)  # ended, not yet reaped
    child.wait()


@pytest.mark.skipif(not LINUX, reason="reads Linux's /proc")
def test_a_process_younger_than_what_it_is_asked_about_is_not_its_writer() -> None:
    start = started(os.getpid())
    assert start is not None and abs(start - time.time()) < 7 * 24 * 3600
    assert alive(os.getpid(), since=time.time())
    assert not alive(os.getpid(), since=start - 3600)


def test_sigterm_raises_terminated_where_the_worker_is() -> None:
    saved = signal.getsignal(signal.SIGTERM)
    try:
        end_by_exception()
        with pytest.raises(Terminated):
            signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, saved)
