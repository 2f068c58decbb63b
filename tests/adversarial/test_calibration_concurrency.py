"""Calibration under concurrency (issue "Reliability and security", its calibration section).

Reproductions: `kill -9` of `journey calibrate --workers 2` left both workers running as
orphans, and the advised rerun ended with more completed trials than `--trials`; two
`calibrate` commands on one study evaluated identical parameter vectors; trials of dead workers
stayed `running` for ever (1 after `kill -9`, 2 after Ctrl-C with two workers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import optuna
import polars as pl
import pytest
from optuna.trial import TrialState, create_trial
from sqlalchemy.exc import SQLAlchemyError

from calibration.calibrate import Plan, plan
from calibration.refine import round_targets
from calibration.study import completed, fail_stale_trials, open_study, run_trials, search, setup_of
from sim.running.processes import alive, host
from tests.adversarial.conftest import command_line, journey, wait_for

TRIALS = 12  # enough that the search is well under way, not over, when it is stopped


@pytest.fixture
def study_plan(inputs: Path, tmp_path: Path) -> Plan:
    return plan(
        inputs / "small.toml", inputs / "data.csv", fit_periods="1-3", reps=1, root=tmp_path
    )


def opened(p: Plan, sampler: str = "random", seed: int = 0) -> optuna.Study:
    """The study as one more command opens it."""
    setup = setup_of(p.problem, p.reps, p.seed, "data", p.cohort)
    return open_study(p.storage, p.study, setup, sampler, seed)


def quick(trial: optuna.Trial, p: Plan) -> float:
    """An objective without simulation: the parameters' distance from 1.2."""
    return sum((v - 1.2) ** 2 for v in p.problem.suggest(trial).values())


def params(study: optuna.Study, states: tuple[TrialState, ...] = (TrialState.COMPLETE,)) -> list:
    return [tuple(t.params.values()) for t in study.get_trials(states=states)]


# --- two commands on one study ----------------------------------------------------------------


@pytest.mark.parametrize("sampler", ["random", "tpe", "cmaes", "qmc"])
def test_two_commands_started_together_draw_different_points(
    study_plan: Plan, sampler: str
) -> None:
    """Both open the fresh study with the same seed, then each asks for a trial before either
    has one: they used to be seeded alike and drew the same vector."""
    first, second = opened(study_plan, sampler), opened(study_plan, sampler)
    a, b = first.ask(), second.ask()
    assert study_plan.problem.suggest(b) != study_plan.problem.suggest(a)


def test_two_commands_add_different_trials_and_the_same_seed_gives_the_same_trials(
    study_plan: Plan, tmp_path: Path
) -> None:
    """Interleaved commands never repeat a vector; a single command is reproducible: the same
    seed on a new study gives the same trials."""
    first, second = opened(study_plan, "tpe"), opened(study_plan, "tpe")
    for _ in range(4):
        for s in (first, second):
            run_trials(s, lambda t: quick(t, study_plan), trials=8, limit=1)
    drawn = params(first)
    assert len(drawn) == 8 and len(set(drawn)) == 8

    def alone(name: str) -> list:
        again = plan(
            study_plan.scenario_file, study_plan.data_file, fit_periods="1-3", reps=1,
            study=name, root=tmp_path,
        )  # fmt: skip
        s = opened(again, "tpe")
        run_trials(s, lambda t: quick(t, again), trials=6, limit=6)
        return params(s)

    assert alone("one") == alone("two")


# --- the target count --------------------------------------------------------------------------


def own(trial: optuna.Trial, pid: int) -> None:
    trial.set_user_attr("pid", pid)
    trial.set_user_attr("host", host())


def test_a_trial_running_in_another_live_command_counts_towards_the_target(
    study_plan: Plan, live_process: int
) -> None:
    study = opened(study_plan)
    run_trials(study, lambda t: quick(t, study_plan), trials=2, limit=2)
    other = opened(study_plan)
    theirs = other.ask()
    own(theirs, live_process)
    assert run_trials(study, lambda t: quick(t, study_plan), trials=3, limit=5) == 0
    other.tell(theirs, quick(theirs, study_plan))
    assert len(completed(study)) == 3


def test_the_last_trial_taken_by_another_command_meanwhile_is_not_run(
    study_plan: Plan, live_process: int
) -> None:
    """A race: between this worker's count and its trial, another command takes the last one.
    This worker's trial is failed unevaluated, so the study never exceeds the target."""
    study = opened(study_plan)
    run_trials(study, lambda t: quick(t, study_plan), trials=2, limit=2)
    other = opened(study_plan)
    ask = study.ask
    theirs: list[optuna.Trial] = []

    def ask_after_the_other() -> optuna.Trial:
        theirs.append(other.ask())
        own(theirs[0], live_process)
        return ask()

    study.ask = ask_after_the_other  # type: ignore[method-assign]
    evaluated: list[int] = []
    ran = run_trials(study, lambda t: evaluated.append(t.number) or 0.0, trials=3, limit=5)
    assert (ran, evaluated) == (0, [])
    other.tell(theirs[0], quick(theirs[0], study_plan))
    states = [t.state for t in study.get_trials()]
    assert states.count(TrialState.COMPLETE) == 3 and states.count(TrialState.FAIL) == 1


def test_a_trial_names_its_process_from_the_moment_it_exists(study_plan: Plan) -> None:
    """`kill -9` cannot be deferred: killed between asking for a trial and naming itself, a
    command used to leave a running trial that named no one, so the rerun counted it as taken
    for a minute and ended one trial short. Now the stored trial names its process at once."""
    study = opened(study_plan)
    ask = study.ask
    stored: list[dict] = []

    def ask_and_look() -> optuna.Trial:
        trial = ask()
        stored.append(study._storage.get_trial(trial._trial_id).user_attrs)
        return trial

    study.ask = ask_and_look  # type: ignore[method-assign]
    run_trials(study, lambda t: quick(t, study_plan), trials=2, limit=2, worker=1)
    assert stored == [{"host": host(), "pid": os.getpid(), "worker": 1}] * 2
    assert len(completed(study)) == 2


# --- trials left running ------------------------------------------------------------------------


def running(study: optuna.Study, started: datetime, **attrs: object) -> int:
    """Add a trial left `running` since `started` with `attrs`; return its number."""
    trial = create_trial(state=TrialState.RUNNING, user_attrs=dict(attrs))
    trial.datetime_start = started
    study.add_trial(trial)
    return study.get_trials()[-1].number


def test_trials_left_running_by_gone_processes_are_failed_when_the_study_is_opened(
    study_plan: Plan, dead_pid: int, live_process: int
) -> None:
    study = opened(study_plan)
    now = datetime.now()
    long_ago = now - timedelta(days=365)
    here = host()
    cases = {
        running(study, now, pid=dead_pid, host=here): TrialState.FAIL,  # killed
        running(study, now, pid=live_process, host=here): TrialState.RUNNING,  # at work
        running(study, now, pid=dead_pid, host=f"not-{here}"): TrialState.RUNNING,  # elsewhere
        running(study, long_ago): TrialState.FAIL,  # names no process, long ago
        running(study, now): TrialState.RUNNING,  # names no process yet
    }
    if Path(f"/proc/{live_process}/stat").is_file():  # a reused id: the process is younger
        cases[running(study, long_ago, pid=live_process, host=here)] = TrialState.FAIL
    opened(study_plan)
    assert {t.number: t.state for t in study.get_trials()} == cases
    assert fail_stale_trials(study) == []


def test_a_killed_trial_is_failed_and_its_parameters_evaluated_by_the_next_command(
    study_plan: Plan, dead_pid: int
) -> None:
    study = opened(study_plan)
    drawn = study.ask()
    study_plan.problem.suggest(drawn)  # the sampler's choice, then the process is killed
    for key, value in {"pid": dead_pid, "host": host()}.items():
        drawn.set_user_attr(key, value)
    again = opened(study_plan)  # the next command
    assert again.trials[drawn.number].state == TrialState.FAIL
    run_trials(again, lambda t: quick(t, study_plan), trials=1, limit=1)
    (retried,) = completed(again)
    assert retried.params == drawn.params
    assert retried.user_attrs["retry_of"] == drawn.number
    assert retried.user_attrs["pid"] == os.getpid()


# --- real processes -----------------------------------------------------------------------------


def calibrate_args(inputs: Path, *extra: str) -> list[str]:
    args = command_line("calibrate", inputs, Path(), Path())
    args[args.index("--trials") + 1] = str(TRIALS)
    return journey(*args, *extra)


LONG_REPS = 8  # replications of `long_trials`


def long_trials(args: list[str]) -> list[str]:
    """`args` with trials of several replications: a stop then lands inside a trial. With one
    replication a trial is over in tens of milliseconds, and a stop that found both workers
    between two trials left none to fail (or killed, none running)."""
    args = list(args)
    args[args.index("--reps") + 1] = str(LONG_REPS)
    return args


def storage(cwd: Path) -> str:
    return f"sqlite:///{cwd / 'results' / 'calibration' / 's.db'}"


def load(cwd: Path) -> optuna.Study | None:
    """The study as it is now; None while the command is still making it."""
    if not (cwd / "results" / "calibration" / "s.db").is_file():
        return None
    try:
        return optuna.load_study(study_name="s", storage=storage(cwd))
    except (KeyError, SQLAlchemyError):  # the study, or its tables, not made yet
        return None


def worker_pids(cwd: Path, proc: subprocess.Popen) -> set[int]:
    """Once a trial is completed and both workers have a trial: the workers' process ids."""

    def found() -> set[int] | None:
        assert proc.poll() is None, "the calibration ended before it could be stopped"
        study = load(cwd)
        if study is None or not completed(study):
            return None
        pids = {t.user_attrs.get("pid") for t in study.get_trials()} - {None}
        return pids if len(pids) == 2 else None

    pids = wait_for(found, timeout=300, what="two workers with trials")
    assert isinstance(pids, set)
    return pids


def under_way(cwd: Path) -> list[int]:
    """The study's trials under way now (none before it exists). A test that stops a search to
    see what becomes of a running trial waits for one: two workers that start together also
    finish their trials together, and a stop between one trial and the next leaves none."""
    study = load(cwd)
    return (
        [] if study is None else [t.number for t in study.get_trials(states=(TrialState.RUNNING,))]
    )


def finished_study_is_whole(cwd: Path, args: list[str]) -> list[TrialState]:
    """Run the same command again (as the interruption advises): the study ends with exactly
    the trials asked for, none of them running, and trials.parquet says so."""
    again = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    study = load(cwd)
    assert study is not None
    states = [t.state for t in study.get_trials()]
    total = round_targets(TRIALS)[-1]  # the sampler's trials, then those from the posterior
    assert states.count(TrialState.COMPLETE) == total
    assert TrialState.RUNNING not in states
    frame = pl.read_parquet(cwd / "results" / "calibration" / "s" / "trials.parquet")
    assert (frame["state"] == "complete").sum() == total
    assert "running" not in set(frame["state"])
    return states


@pytest.mark.slow
def test_kill_9_of_calibrate_with_two_workers_takes_the_workers_with_it(
    inputs: Path, tmp_path: Path
) -> None:
    """The workers end with their parent (failing their trials as they go), and the same
    command again ends with exactly the trials asked for."""
    args = calibrate_args(inputs, "--workers", "2")
    proc = subprocess.Popen(
        args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        workers = worker_pids(tmp_path, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        wait_for(lambda: not any(alive(pid) for pid in workers), timeout=60, what="no orphans")
    finally:
        proc.kill()
        proc.wait()
    study = load(tmp_path)
    assert study is not None
    assert len(completed(study)) < TRIALS
    unfinished = [t.number for t in study.get_trials() if t.state != TrialState.COMPLETE]
    # the same command again, on one worker: quicker, and the count is the study's either way
    states = finished_study_is_whole(tmp_path, args[: args.index("--workers")])
    assert all(states[n] == TrialState.FAIL for n in unfinished)


@pytest.mark.slow
def test_trials_of_workers_killed_with_their_parent_are_failed_by_the_next_command(
    inputs: Path, tmp_path: Path
) -> None:
    """All of them killed at once (no chance to tidy up): their trials stay running until the
    next command opens the study."""
    args = long_trials(calibrate_args(inputs, "--workers", "2"))
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        worker_pids(tmp_path, proc)
        # killed while a trial runs (`under_way`)
        wait_for(lambda: under_way(tmp_path), timeout=300, what="a trial under way")
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    study = load(tmp_path)
    assert study is not None
    left = [t.number for t in study.get_trials(states=(TrialState.RUNNING,))]
    assert 1 <= len(left) <= 2
    p = plan(
        inputs / "small.toml", inputs / "data.csv", fit_periods="1-3", trials=TRIALS,
        reps=LONG_REPS, study="s", root=tmp_path / "results" / "calibration",
    )  # fmt: skip
    setup = setup_of(p.problem, p.reps, p.seed, str(p.data_file), p.cohort)
    again = open_study(p.storage, p.study, setup, p.sampler, p.seed)  # as the next command
    assert [again.trials[n].state for n in left] == [TrialState.FAIL] * len(left)
    assert again.get_trials(states=(TrialState.RUNNING,)) == []


@pytest.mark.slow
def test_ctrl_c_of_calibrate_with_two_workers_leaves_no_trial_running(
    inputs: Path, tmp_path: Path
) -> None:
    args = long_trials(calibrate_args(inputs, "--workers", "2"))
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        workers = worker_pids(tmp_path, proc)
        wait_for(lambda: under_way(tmp_path), timeout=300, what="a trial under way")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert err.decode().strip().splitlines()[-1].startswith("interrupted: the study is kept in")
    assert not any(alive(pid) for pid in workers)
    study = load(tmp_path)
    assert study is not None
    states = [t.state for t in study.get_trials()]
    assert TrialState.RUNNING not in states  # failed at once, not left running
    assert TrialState.FAIL in states
    assert states.count(TrialState.COMPLETE) < TRIALS


@pytest.mark.slow
def test_two_calibrate_commands_at_once_fill_one_study_without_repeating_or_exceeding(
    inputs: Path, tmp_path: Path
) -> None:
    args = calibrate_args(inputs, "--sampler", "random")
    procs = [
        subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=600)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    study = load(tmp_path)
    assert study is not None
    drawn = params(study)
    total = round_targets(TRIALS)[-1]
    assert len(drawn) == total and len(set(drawn)) == total
    assert study.get_trials(states=(TrialState.RUNNING,)) == []


def test_a_worker_ends_with_its_parent(tmp_path: Path) -> None:
    """The watch itself: a worker process of a parent that is killed ends at once."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing, sys, time\n"
        "from sim.running.processes import die_with_parent\n"
        "def work():\n"
        "    die_with_parent()\n"
        "    time.sleep(600)\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.get_context('spawn').Process(target=work)\n"
        "    p.start()\n"
        "    print(p.pid, flush=True)\n"
        "    p.join()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=60)
        started = time.monotonic()
        wait_for(lambda: not alive(worker), timeout=60, what="the orphan ending")
        assert time.monotonic() - started < 30
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def test_search_marks_its_workers_trials_failed_however_it_ends(
    study_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in a one-worker search: the trial under way is failed at once, not left."""
    study = opened(study_plan)

    def interrupted(*args: object) -> object:
        def evaluate(trial: optuna.Trial) -> float:
            quick(trial, study_plan)
            raise KeyboardInterrupt

        return evaluate

    monkeypatch.setattr("calibration.study.objective", interrupted)
    with pytest.raises(KeyboardInterrupt):
        search(
            study, study_plan.storage, study_plan.problem, trials=3, reps=1, seed=0,
            sampler="random", workers=1,
        )  # fmt: skip
    assert [t.state for t in study.get_trials()] == [TrialState.FAIL]
