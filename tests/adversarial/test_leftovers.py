"""What a killed writer leaves behind is removed by the next command writing there (issue
"Reliability and security", its outputs section): temporaries carry their writer's process id,
and those of processes that are gone are swept; those of live ones are kept.

Reproductions: `kill -9` during the report left `.charts.XXXX.partial/` in the run folder;
during the final write, a `.<name>.XXXX.partial/` beside `--out`; during a run, the marker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.store import atomic_folder, claim, sweep, write_atomic
from sim.store.destination import marker_of
from tests.adversarial.conftest import command_line, journey, leftovers, wait_for

KINDS: dict[str, Callable[[Path, int], Path]] = {
    "partial folder beside --out": lambda d, pid: _folder(d / f".out.{pid}.k2j3h4_x.partial"),
    "partial file of a page": lambda d, pid: _file(d / f".report.html.{pid}.ab12cd34.partial"),
    "charts folder of a report": lambda d, pid: _folder(d / f".charts.{pid}.zz9_q8w7.partial"),
    "marker of a run": lambda d, pid: _file(d / ".other-run.lock", f"{pid}\n"),
}
WRITERS: dict[str, Callable[[Path], object]] = {
    "write_atomic": lambda d: write_atomic(d / "page.html", "page"),
    "atomic_folder": lambda d: _fill(d / "run"),
    "claim": lambda d: _hold(d / "run"),
}


def _folder(path: Path) -> Path:
    path.mkdir()
    (path / "metrics.parquet").write_bytes(b"half")
    return path


def _file(path: Path, text: str = "half") -> Path:
    path.write_text(text)
    return path


def _fill(path: Path) -> None:
    with atomic_folder(path) as tmp:
        (tmp / "a.txt").write_text("a")


def _hold(path: Path) -> None:
    with claim(path):
        pass


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_a_leftover_of_a_dead_process_is_removed_by_the_next_writer(
    kind: Callable[[Path, int], Path],
    writer: Callable[[Path], object],
    tmp_path: Path,
    dead_pid: int,
) -> None:
    left = kind(tmp_path, dead_pid)
    writer(tmp_path)
    assert not left.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_a_temporary_of_a_live_process_is_kept(
    kind: Callable[[Path, int], Path],
    writer: Callable[[Path], object],
    tmp_path: Path,
) -> None:
    """The test's own process id: a writer still at work."""
    left = kind(tmp_path, os.getpid())
    writer(tmp_path)
    assert left.exists()


def test_a_reused_process_id_does_not_keep_a_leftover(tmp_path: Path) -> None:
    """A live process that started after the temporary was last written is not its writer."""
    left = _folder(tmp_path / f".out.{os.getpid()}.k2j3h4_x.partial")
    long_ago = time.time() - 3600 * 24 * 365
    os.utime(left, (long_ago, long_ago))
    if not Path(f"/proc/{os.getpid()}/stat").is_file():
        pytest.skip("process start times are read from Linux's /proc")
    assert sweep(tmp_path) == [left]


def test_a_folder_killed_half_way_through_its_replacement_is_put_back(
    tmp_path: Path, dead_pid: int
) -> None:
    """Killed between moving the old folder aside and moving the new one in: the old one
    comes back, whole."""
    old = _folder(tmp_path / f".study.{dead_pid}.old")
    sweep(tmp_path)
    assert not old.exists()
    assert (tmp_path / "study" / "metrics.parquet").read_bytes() == b"half"


def test_a_marker_without_a_process_id_is_kept_while_fresh(tmp_path: Path) -> None:
    """A writer creates its marker and then writes its id into it: an empty marker is one
    being made, unless it is old."""
    marker = _file(marker_of(tmp_path / "run"), "")
    assert sweep(tmp_path) == []
    long_ago = time.time() - 3600
    os.utime(marker, (long_ago, long_ago))
    assert sweep(tmp_path) == [marker]


@pytest.mark.slow
def test_kill_9_during_the_report_leaves_a_partial_the_next_report_removes(
    inputs: Path, tiny_run: Path, tmp_path: Path
) -> None:
    """A real `journey report` killed while it renders its charts, then run again."""
    out = tmp_path / "out"
    args = journey(*command_line("report", inputs, out, tiny_run))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        partial = wait_for(
            lambda: [p for p in out.glob(f".charts.{proc.pid}.*.partial") if any(p.iterdir())],
            what="the report's charts being written",
        )
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert partial[0].exists() and marker_of(out).exists()  # what kill -9 leaves
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (out / "report.html").is_file()
    assert leftovers(tmp_path) == []
