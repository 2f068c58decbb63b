"""Processes: whether the process that left something behind still runs, and workers that end
with the process that started them.

Files a command writes on the way (partial folders, claim markers) and the trials a calibration
worker is evaluating carry the process id of their writer, so the next command can tell what a
killed process left behind from what a running one is still writing. A process id is reused
once its process is gone, so where the start time of a process is known (Linux, from /proc) a
process that started after the thing was written is not taken for its writer.

Worker processes started by a command watch their parent and end when it is gone, also after
`kill -9`, instead of running on as orphans. A worker that has something to tidy (a trial it is
evaluating) ends through `Terminated`, raised where it is, and can keep a few steps together
with `uninterrupted()` so that an ending never falls between them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.connection import wait
from pathlib import Path
from types import FrameType

from sim.engine.signals import uninterrupted

__all__ = [
    "GRACE",
    "SLACK",
    "Terminated",
    "alive",
    "die_with_parent",
    "end_by_exception",
    "host",
    "started",
    "uninterrupted",
]

SLACK = 10.0
"""Seconds a process may appear to have started after what it wrote (clock ticks, rounding,
clock adjustments) and still count as its writer."""

ORPHAN_EXIT = 70
"""Exit status of a worker that stopped because its parent was gone."""
GRACE = 10.0
"""Seconds an orphaned worker has to tidy up before it is ended outright."""


def host() -> str:
    """This machine's name: a process id means something only on the machine it names."""
    return socket.gethostname()


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces), or None
    where there is no /proc or no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def started(pid: int) -> float | None:
    """When process `pid` started, in seconds since the epoch; None if unknown (no /proc)."""
    fields = _stat(pid)
    boot = _boot_time()
    if fields is None or boot is None or len(fields) < 20:
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime in ticks


def alive(pid: int, since: float | None = None) -> bool:
    """Whether process `pid` runs on this machine (a zombie does not) and, given `since` (a
    time in seconds since the epoch at which its writer was known to run), whether it can be
    that writer: a process that started more than `SLACK` seconds after `since` reuses the id.
    """
    if pid <= 0:  # 0 and negative ids name process groups, not a process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    except OSError:
        return False
    fields = _stat(pid)
    if fields is not None and fields[0] in ("Z", "X"):  # ended, waiting to be reaped
        return False
    if since is not None:
        start = started(pid)
        if start is not None and start > since + SLACK:
            return False
    return True


class Terminated(BaseException):
    """SIGTERM (the parent stopping a worker, or the worker's parent gone), raised where the
    worker is so that it can tidy up on the way out. Like KeyboardInterrupt, not an Exception."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def end_by_exception() -> None:
    """In a worker process: SIGTERM raises `Terminated` instead of ending it on the spot."""
    signal.signal(signal.SIGTERM, _terminated)


def die_with_parent() -> None:
    """In a worker process: end as soon as the process that started it is gone.

    A daemon thread waits on the parent's sentinel (a pipe that closes when the parent ends, by
    `kill -9` too), then sends this process SIGTERM: a worker that `end_by_exception()` tidies
    up, any other ends at once; one that has not ended after `GRACE` seconds is ended outright.
    Portable: only `multiprocessing` and signals. Does nothing in a process not started by
    `multiprocessing`.
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(GRACE)
        os._exit(ORPHAN_EXIT)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
