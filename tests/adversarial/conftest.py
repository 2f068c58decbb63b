"""Inputs of the adversarial tests: tiny commands of every kind, places that cannot be written,
a full disk, processes that are alive or gone."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim import run
from sim.scenario import load_scenario
from sim.store import write_run
from tests.calibration.conftest import small_scenario_text
from tests.experiments.conftest import TINY, experiment_text

ROOT = Path(__file__).resolve().parents[2]
MARKET = ROOT / "tests" / "experiments" / "moments.toml"
SMALL = ["--consumers", "200", "--steps", "30"]


def journey(*args: str) -> list[str]:
    """The `journey` command line, as a process of its own."""
    return [sys.executable, "-m", "sim.cli", *args]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A folder holding a tiny scenario, an experiment on it, a moments market, a small
    calibration scenario and data: the inputs of every command."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    shutil.copy(TINY, folder / "tiny.toml")
    shutil.copy(MARKET, folder / "market.toml")
    grid = {"design": "grid", "factors": {"brands.a.quality": {"levels": [2.0, 4.0]}}}
    (folder / "exp.toml").write_text(experiment_text(**grid), encoding="utf-8")
    (folder / "small.toml").write_text(small_scenario_text(), encoding="utf-8")
    (folder / "data.csv").write_text(
        "cohort,period,active,size\nc,0,1000,1000\nc,1,800,1000\nc,2,700,1000\nc,3,650,1000\n"
        "c,4,600,1000\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder of the tiny scenario (one replication), for `journey report`."""
    folder = tmp_path_factory.mktemp("run") / "tiny-run"
    return write_run(run(load_scenario(TINY), reps=1, seed=1), folder)


def command_line(command: str, inputs: Path, out: Path, tiny_run: Path) -> list[str]:
    """The arguments of a quick `command` writing to `out` (calibrate writes under the working
    folder's results/calibration/, and ignores `out`)."""
    match command:
        case "run":
            return ["run", str(inputs / "tiny.toml"), "--reps", "1", *SMALL, "--out", str(out)]
        case "experiment":
            return ["experiment", str(inputs / "exp.toml"), "--workers", "1", "--out", str(out)]
        case "moments":
            market = str(inputs / "market.toml")
            return ["moments", market, "--reps", "2", *SMALL, "--workers", "1", "--out", str(out)]
        case "calibrate":
            return [
                "calibrate", str(inputs / "small.toml"), "--data", str(inputs / "data.csv"),
                "--fit-periods", "1-3", "--trials", "2", "--reps", "1", "--study", "s",
            ]  # fmt: skip
        case "report":
            return ["report", str(tiny_run), "--out", str(out)]
    raise ValueError(command)


COMMANDS = ["run", "experiment", "moments", "calibrate", "report"]


class Simulated(BaseException):
    """Raised if a command simulates when it should have refused first (not caught by it)."""


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any command that starts simulating (or rendering a report) fails the test."""

    def simulated(*args: object, **kwargs: object) -> None:
        raise Simulated("the command simulated before checking where it writes")

    for target in (
        "sim.running.replications.run",
        "sim.experiments.experiment.run_all",
        "sim.experiments.moments.run_all",
        "sim.running.estimate.estimate",
        "calibration.calibrate.search",
        "sim.report.page.write_report",
    ):
        monkeypatch.setattr(target, simulated)


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to fill the disk: from then on every file written into a folder being filled
    (a `.partial` folder: results, charts) fails with ENOSPC, as a full disk does."""

    def fill() -> None:
        write_bytes = Path.write_bytes

        def full(self: Path, data: bytes) -> int:  # type: ignore[override]
            if any(part.endswith(".partial") for part in self.parts):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
            return write_bytes(self, data)

        monkeypatch.setattr(Path, "write_bytes", full)

    return fill


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make a folder read-only, as a read-only mount is, also for root (who ignores chmod):
    creating anything in it fails with EROFS."""

    def protect(folder: Path) -> None:
        folder = folder.resolve()
        os_open, os_mkdir = os.open, os.mkdir

        def inside(path: object) -> bool:
            return Path(os.fsdecode(path)).resolve().is_relative_to(folder)  # type: ignore[arg-type]

        def refused(path: object) -> OSError:
            return OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))  # type: ignore[arg-type]

        def guarded_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and inside(path):
                raise refused(path)
            return os_open(path, flags, *args, **kwargs)

        def guarded_mkdir(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if inside(path):
                raise refused(path)
            return os_mkdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", guarded_open)
        monkeypatch.setattr(os, "mkdir", guarded_mkdir)

    return protect


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_process() -> Iterator[int]:
    """The id of a process that runs for the test's length (another journey command, say)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def wait_for(condition: Callable[[], object], timeout: float = 120.0, what: str = "") -> object:
    """Poll `condition` until it is true (returned), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def leftovers(folder: Path) -> list[Path]:
    """Temporaries and markers anywhere under `folder`."""
    return [p for p in folder.rglob(".*") if p.name.endswith((".partial", ".lock", ".old"))]
