"""Outputs are checked before the work and cleaned after a fault (issue "Reliability and
security", its outputs section).

Every command (`run`, `experiment`, `moments`, `calibrate`, `report --out`) is given a
destination that cannot be written: inside a regular file, under a read-only folder, under
/proc, or one another journey process is writing. Each is refused with one line naming the
path and the problem, exit status 2, before anything is simulated, and nothing is left behind.
A disk that fills while the outputs are written is one line too, with nothing half-written.

Read-only folders: tests run as root in CI, and root ignores chmod, so the `read_only` fixture
refuses writes under the folder as a read-only mount does (EROFS, by wrapping `os.open` and
`os.mkdir`); the chmod version runs too where the tests are not root.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from sim.cli import main
from tests.adversarial.conftest import (
    COMMANDS,
    ROOT,
    command_line,
    journey,
    leftovers,
    wait_for,
)

LINUX_PROC = Path("/proc/self/stat").is_file()


def refused_in_one_line(err: str, path: Path | str, problem: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: cannot write {path}"), err
    assert problem in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_destination_inside_a_file_is_refused_before_the_work(
    command: str,
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_simulation: None,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    blocker = work / ("results" if command == "calibrate" else "file")
    blocker.write_text("a regular file\n")
    out = blocker / "out"
    assert main(command_line(command, inputs, out, tiny_run)) == 2
    if command == "calibrate":  # named as the command names it: relative to where it runs
        shown, problem = Path("results/calibration/s"), "results is not a folder"
    else:
        shown, problem = out, f"{blocker} is not a folder"
    refused_in_one_line(capsys.readouterr().err, shown, problem)
    assert sorted(p.name for p in work.iterdir()) == [blocker.name]
    assert blocker.read_text() == "a regular file\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_destination_under_a_read_only_folder_is_refused_before_the_work(
    command: str,
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_simulation: None,
    read_only: Callable[[Path], None],
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.chdir(locked)
    read_only(locked)
    out = locked / "deeper" / "out"
    assert main(command_line(command, inputs, out, tiny_run)) == 2
    shown = Path("results/calibration/s") if command == "calibrate" else out
    refused_in_one_line(capsys.readouterr().err, shown, "Read-only file system")
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores chmod")
def test_a_destination_in_a_folder_without_write_permission_is_refused(
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_simulation: None,
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for command in ("run", "report"):
            out = locked / "out"
            assert main(command_line(command, inputs, out, tiny_run)) == 2
            refused_in_one_line(capsys.readouterr().err, out, "Permission denied")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not LINUX_PROC, reason="needs Linux's /proc")
@pytest.mark.parametrize("command", COMMANDS)
def test_a_destination_under_proc_is_refused_before_the_work(
    command: str,
    inputs: Path,
    tiny_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_simulation: None,
) -> None:
    if command == "calibrate":
        monkeypatch.chdir("/proc")
        shown: Path = Path("results/calibration/s")
    else:
        shown = Path("/proc/journey-test/out")
    assert main(command_line(command, inputs, shown, tiny_run)) == 2
    refused_in_one_line(capsys.readouterr().err, shown, "No such file or directory")


@pytest.mark.parametrize("command", ["run", "experiment", "moments", "report"])
def test_a_destination_another_process_writes_is_refused_before_the_work(
    command: str,
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_simulation: None,
    holder: Callable[[Path], int],
) -> None:
    out = tmp_path / "taken"
    pid = holder(out)
    assert main(command_line(command, inputs, out, tiny_run)) == 2
    refused_in_one_line(
        capsys.readouterr().err, out, f"another journey command (process {pid}) is writing there"
    )


@pytest.fixture
def holder(tmp_path: Path) -> Callable[[Path], int]:
    """Start a real `journey run` that holds `out` for a long while; return its process id
    once it holds it. Killed after the test."""
    procs: list[subprocess.Popen] = []

    def hold(out: Path) -> int:
        args = journey("run", str(ROOT / "scenarios" / "baseline.toml"), "--reps", "500")
        proc = subprocess.Popen(
            [*args, "--out", str(out)],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        marker = out.with_name(f".{out.name}.lock")
        wait_for(lambda: marker.is_file() and marker.read_text().strip(), what="the marker")
        assert proc.poll() is None
        return proc.pid

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_calibrate_waits_for_another_command_writing_the_study_folder_then_refuses(
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    live_process: int,
) -> None:
    """Commands on one study may run at once (they share its trials); only the final write is
    taken in turn. One held too long by another is one line, and the study keeps its trials."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("calibration.calibrate.WRITE_WAIT", 0.5)
    folder = tmp_path / "results" / "calibration"
    folder.mkdir(parents=True)
    (folder / ".s.lock").write_text(f"{live_process}\n")
    assert main(command_line("calibrate", inputs, tmp_path, tiny_run)) == 2
    refused_in_one_line(
        capsys.readouterr().err,
        Path("results/calibration/s"),
        f"another journey command (process {live_process}) is writing there",
    )
    assert (folder / "s.db").is_file() and not (folder / "s").exists()
    assert leftovers(tmp_path) == [folder / ".s.lock"]  # the other command's, kept


FULL_DISK = {
    "run": "out",
    "experiment": "out",
    "moments": "out",
    "report": "out",
    "calibrate": "results/calibration/s",
}


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(c, marks=pytest.mark.slow) if c in ("calibrate", "report") else c
        for c in COMMANDS
    ],
)
def test_a_disk_that_fills_while_writing_is_one_line_and_leaves_nothing_half_written(
    command: str,
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    disk_full: Callable[[], None],
) -> None:
    """The writer raising ENOSPC into the folder being filled, after all the work."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out = work / "out"
    if command == "report":
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    disk_full()
    args = command_line(command, inputs, out, tiny_run)
    assert (
        main([*args, "--no-report"] if command in ("run", "experiment", "moments") else args) == 2
    )
    shown = Path(FULL_DISK[command]) if command == "calibrate" else out
    refused_in_one_line(capsys.readouterr().err, shown, "No space left on device")
    assert leftovers(tmp_path) == []
    match command:
        case "run":
            assert not out.exists()
        case "experiment" | "moments":  # finished runs kept for the same command to resume
            assert sorted(p.name for p in out.iterdir()) == ["parts"]
        case "report":
            assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
        case "calibrate":  # the study keeps its trials (and the lock its processes take turns
            # through); the same command writes the folder
            kept = sorted(p.name for p in (work / "results" / "calibration").iterdir())
            assert kept == ["s.db", "s.db-lock"]


def test_a_disk_that_fills_while_the_report_is_written_keeps_the_run_and_says_so(
    inputs: Path,
    tiny_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    real = Path.write_bytes

    def full_for_charts(self: Path, data: bytes) -> int:
        if "charts" in self.parent.name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_for_charts)
    assert main(command_line("run", inputs, out, tiny_run)) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"error: cannot write {out / 'charts'}: No space left on device; the results are in {out}, "
        f"without a report; `journey report {out}` writes it"
    ]
    assert pl.read_parquet(out / "metrics.parquet").height > 0
    assert not (out / "report.html").exists() and not (out / "charts").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_process_writing_there_is_refused_in_a_real_second_process(
    inputs: Path, tmp_path: Path, holder: Callable[[Path], int]
) -> None:
    """Two `journey` processes, one destination: the second is refused at once."""
    out = tmp_path / "taken"
    pid = holder(out)
    second = subprocess.run(
        journey(*command_line("run", inputs, out, Path())),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 2
    refused_in_one_line(
        second.stderr, out, f"another journey command (process {pid}) is writing there"
    )


def test_a_full_disk_on_a_new_study_leaves_no_half_made_database(
    inputs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SQLite itself reports the disk full: the database may grow to a few pages only."""
    import sqlalchemy

    create_engine = sqlalchemy.create_engine

    def small_disk(*args: object, **kwargs: object) -> sqlalchemy.Engine:
        engine = create_engine(*args, **kwargs)

        @sqlalchemy.event.listens_for(engine, "connect")
        def few_pages(connection, record) -> None:  # type: ignore[no-untyped-def]
            connection.execute("PRAGMA max_page_count = 4")

        return engine

    monkeypatch.setattr(sqlalchemy.engine, "create_engine", small_disk)
    monkeypatch.chdir(tmp_path)
    assert main(command_line("calibrate", inputs, tmp_path, Path())) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --storage: cannot open sqlite:///"), err
    assert "database or disk is full" in lines[0]
    assert not (tmp_path / "results").exists()  # no database, not even the folders made for it


def test_a_full_disk_message_names_the_problem_of_every_kind() -> None:
    """The one line of each operating-system refusal (checked through the writer)."""
    from sim.store.destination import OutputError

    for code in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.ENOTDIR):
        exc = OSError(code, os.strerror(code), "/x/.out.1.abc.partial")
        assert (
            str(OutputError.of(Path("/x/out"), exc)) == f"cannot write /x/out: {os.strerror(code)}"
        )
