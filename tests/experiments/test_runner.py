"""Running many runs: seeds by run, batches, the same bytes from every executor, resuming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sim.cli import main
from sim.experiments import load_experiment
from sim.experiments.experiment import FolderError, plan, run_experiment
from sim.experiments.parts import consolidate, done_runs
from sim.experiments.runner import MAX_BATCH, TASKS_PER_WORKER, batches, run_seed
from sim.running.executors import InProcess, LocalProcesses, executor_for
from sim.running.seeds import replication_seeds

ROOT = Path(__file__).resolve().parents[2]
DATA = ("design.parquet", "kpis.parquet", "points.parquet", "indices.parquet", "scenario.toml")


def test_a_runs_seed_is_its_replications_stream_of_journey_run() -> None:
    for rep, seq in enumerate(replication_seeds(7, 4)):
        a = np.random.default_rng(run_seed(7, rep)).random(3)
        assert np.array_equal(a, np.random.default_rng(seq).random(3))
    assert run_seed(7, 0).spawn_key != run_seed(7, 1).spawn_key


@pytest.mark.parametrize(("runs", "workers"), [(1, 1), (95, 1), (95, 2), (10_000, 2)])
def test_batches_cover_every_run_once_in_order(runs: int, workers: int) -> None:
    work = [(p, r) for p in range(runs) for r in range(1)]
    out = batches(work, workers)
    assert [run for batch in out for run in batch] == work
    assert max(len(b) for b in out) <= MAX_BATCH
    assert len(out) <= max(TASKS_PER_WORKER * workers, runs // MAX_BATCH + 1)


def test_executor_choice() -> None:
    assert isinstance(executor_for(1), InProcess)
    pool = executor_for(2)
    assert isinstance(pool, LocalProcesses) and pool.workers == 2
    pool.close(cancel=False)


def test_the_output_folder_must_be_free_or_this_experiments(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    e = load_experiment(experiment_file(design="morris", samples=2))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(FolderError, match="not empty"):
        plan(e, tmp_path / "full")
    out = tmp_path / "out"
    run_experiment(plan(e, out), InProcess())
    with pytest.raises(FolderError, match="finished experiment"):
        plan(e, out)
    (tmp_path / "half" / "parts").mkdir(parents=True)
    (tmp_path / "half" / "parts" / "plan.json").write_text("{}\n")
    with pytest.raises(FolderError, match="another experiment"):
        plan(e, tmp_path / "half")


def _run(file: Path, out: Path, executor: object) -> dict[str, bytes]:
    run_experiment(plan(load_experiment(file), out), executor)  # type: ignore[arg-type]
    return {name: (out / name).read_bytes() for name in DATA}


@pytest.mark.slow
def test_the_same_bytes_from_one_process_two_processes_and_a_dask_cluster(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    from dask.distributed import LocalCluster

    file = experiment_file(design="morris", samples=4, reps=2)
    one = _run(file, tmp_path / "one", InProcess())
    assert one == _run(file, tmp_path / "again", InProcess())
    assert one == _run(file, tmp_path / "two", LocalProcesses(2))
    # no dashboard: it would warn (an error here) when its port is taken by another test run
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        dask_out = _run(file, tmp_path / "dask", executor_for(scheduler=cluster.scheduler_address))
    assert one == dask_out
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["runner"].startswith("Dask cluster") and manifest["runs"] == 24


@pytest.mark.slow
def test_a_killed_run_resumes_exactly_once_with_the_same_results(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = experiment_file(design="sobol", samples=16)  # 64 runs in about 10 parts
    out = tmp_path / "killed"
    args = ["experiment", str(file), "--workers", "1", "--out", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "parts").glob("part-*.parquet"))) < 2:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    kept = len(done_runs(out / "parts"))
    assert 0 < kept < 64
    assert consolidate(out / "parts").height == kept * 2  # whole parts only: two KPIs a run

    assert main(args) == 0
    assert f"{kept} already done" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_resumed"] == kept  # this run ran only the other 64 - kept
    assert not (out / "parts").exists()
    assert main(["experiment", str(file), "--workers", "1", "--out", str(tmp_path / "whole")]) == 0
    for name in DATA:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_the_command_writes_the_experiment_folder(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = experiment_file(design="morris", samples=2, kpis=["customers_end"])
    out = tmp_path / "exp"
    assert (
        main(["experiment", str(file), "--workers", "1", "--steps", "30", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "6 runs (6 points x 1 replication of 300 consumers x 30 steps)" in printed
    assert "Morris mu*" in printed and f"Results in {out}" in printed
    assert "at the end" in printed and "customers_end" not in printed  # the KPI's title
    assert f"Report in {out / 'report.html'}" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*DATA, "experiment.toml", "manifest.json", "report.html", "charts"]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["steps"] == 30 and manifest["runs"] == 6 and manifest["runs_resumed"] == 0
    # the folder's experiment.toml runs as is, with the same results
    again = tmp_path / "again"
    args = ["experiment", str(out / "experiment.toml"), "--workers", "1", "--no-report"]
    assert main([*args, "--out", str(again)]) == 0
    assert (again / "kpis.parquet").read_bytes() == (out / "kpis.parquet").read_bytes()
    assert "Report in" not in capsys.readouterr().out
    assert not (again / "report.html").exists() and not (again / "charts").exists()
    assert pl.read_parquet(out / "kpis.parquet")["kpi"].unique().to_list() == ["customers_end"]


def test_workers_and_scheduler_together_are_refused(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = experiment_file()
    args = ["experiment", str(file), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("error: --workers and --scheduler")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_parts_and_says_how_to_resume(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    file = experiment_file(design="sobol", samples=32)  # 128 runs
    out = tmp_path / "stopped"
    args = ["experiment", str(file), "--workers", "2", "--out", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list((out / "parts").glob("part-*.parquet")):
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    kept = len(done_runs(out / "parts"))
    assert 0 < kept < 128
    assert err.splitlines() == [
        f"interrupted: {kept} of 128 runs are kept in {out / 'parts'}; "
        f"run the same command with --out {out} to resume"
    ]


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_has_its_runs_redone_with_the_same_results(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    import threading

    from dask.distributed import LocalCluster

    file = experiment_file(design="sobol", samples=16)  # 64 runs
    whole = _run(file, tmp_path / "whole", InProcess())
    out = tmp_path / "dask"
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        executor = executor_for(scheduler=cluster.scheduler_address)
        e = load_experiment(file)
        thread = threading.Thread(target=run_experiment, args=(plan(e, out), executor))
        thread.start()
        deadline = time.monotonic() + 120
        while not list((out / "parts").glob("part-*.parquet")):
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.02)
        nanny = next(iter(cluster.workers.values()))
        os.kill(nanny.process.process.pid, signal.SIGKILL)  # the nanny starts a new worker
        thread.join(timeout=180)
        assert not thread.is_alive()
    assert {name: (out / name).read_bytes() for name in DATA} == whole
