"""The study in its storage: interrupted and killed runs resume, workers share one study."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import optuna
import pytest
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

from calibration import CalibrationError
from calibration.calibrate import plan
from calibration.study import completed, make_sampler, open_study, search, setup_of


def command(small: Path, data: Path, trials: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "sim.cli", "calibrate", str(small), "--data", str(data),
        "--fit-periods", "1-3", "--trials", str(trials), "--reps", "1", "--study", "s",
        "--cohort-size", "1000", *extra,
    ]  # fmt: skip


def wait_for_trials(url: str, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the study at `url` has `n` completed trials; on failure the command is
    stopped (not left running into the next tests) and what it printed is in the message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _fail(proc, "the study ended before it could be stopped")
        db = Path(url.removeprefix("sqlite:///"))
        try:
            if db.exists() and len(completed(optuna.load_study(study_name="s", storage=url))) >= n:
                return
        except (KeyError, SQLAlchemyError):  # the study, or its tables, not made yet
            pass
        time.sleep(0.3)
    _fail(proc, f"fewer than {n} trials after {timeout} s")


def _ended(proc: subprocess.Popen, timeout: float = 60) -> bytes:
    """What `proc` printed on stderr once it has ended; one still running after `timeout` s
    is stopped (not left running into the next tests) and the test fails with its stderr."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        _fail(proc, f"still running {timeout} s on")


def _fail(proc: subprocess.Popen, why: str) -> NoReturn:
    if proc.poll() is None:
        proc.kill()
    _, err = proc.communicate(timeout=60)
    tail = (err or b"").decode(errors="replace").strip().splitlines()[-20:]
    raise AssertionError(f"{why} (exit {proc.returncode}); its stderr ends:\n" + "\n".join(tail))


@pytest.mark.slow
def test_interrupted_then_killed_study_resumes_without_losing_or_repeating(
    small: Path, truth_data: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'results' / 'calibration' / 's.db'}"
    args = command(small, truth_data, 12)

    # Ctrl-C: one line that says where the study is kept, exit status 130
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_trials(url, 2, proc)
    proc.send_signal(signal.SIGINT)
    err = _ended(proc)
    assert proc.returncode == 130, err.decode(errors="replace")[-3000:]
    assert b"Traceback" not in err
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("interrupted: the study is kept in sqlite:///")

    # killed outright (no chance to clean up) a few trials later
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    before = len(completed(optuna.load_study(study_name="s", storage=url)))
    wait_for_trials(url, before + 3, proc)
    proc.kill()
    proc.communicate(timeout=60)
    kept = {t.number: t.params for t in completed(optuna.load_study(study_name="s", storage=url))}

    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    trials = optuna.load_study(study_name="s", storage=url).trials
    finished = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(finished) == 12 + 2  # and 2 drawn from the posterior (calibration.refine)
    assert {t.number: t.params for t in finished if t.number in kept} == kept  # none lost
    assert len({t.number for t in trials}) == len(trials)  # none repeated
    assert (tmp_path / "results" / "calibration" / "s" / "calibrated.toml").is_file()


@pytest.mark.slow
def test_two_workers_fill_one_study(small: Path, truth_data: Path, tmp_path: Path) -> None:
    p = plan(
        small, truth_data, fit_periods="1-3", trials=6, reps=1, workers=2, cohort_size=1000,
        root=tmp_path,
    )  # fmt: skip
    setup = setup_of(p.problem, p.reps, p.seed, "data", p.cohort)
    study = open_study(p.storage, p.study, setup, "random", 0)
    seen: list[int] = []
    search(
        study, p.storage, p.problem, trials=6, reps=1, seed=0, sampler="random", workers=2,
        on_progress=lambda n, best: seen.append(n),
    )  # fmt: skip
    trials = completed(optuna.load_study(study_name=p.study, storage=p.storage))
    assert len(trials) == 6
    assert {t.user_attrs["worker"] for t in trials} == {0, 1}
    assert len({tuple(t.params.values()) for t in trials}) == 6  # workers draw different points
    assert seen[-1] == 6


def test_a_second_command_adds_its_trials_to_the_same_study(
    small: Path, truth_data: Path, tmp_path: Path
) -> None:
    """Two commands on one storage: one study holding the union of their trials."""
    p = plan(
        small, truth_data, fit_periods="1-3", trials=2, reps=1, cohort_size=1000, root=tmp_path
    )
    setup = setup_of(p.problem, p.reps, p.seed, "data", p.cohort)
    first = open_study(p.storage, p.study, setup, "tpe", 0)
    search(first, p.storage, p.problem, trials=2, reps=1, seed=0, sampler="tpe", workers=1)
    second = open_study(p.storage, p.study, setup, "tpe", 0)
    search(second, p.storage, p.problem, trials=4, reps=1, seed=0, sampler="tpe", workers=1)
    trials = completed(optuna.load_study(study_name=p.study, storage=p.storage))
    assert [t.number for t in trials] == [0, 1, 2, 3]


def test_bad_storage_url_is_one_line(small: Path, truth_data: Path, tmp_path: Path) -> None:
    p = plan(small, truth_data, fit_periods="1-3", reps=1, cohort_size=1000, root=tmp_path)
    setup = setup_of(p.problem, p.reps, p.seed, "data", p.cohort)
    with pytest.raises(CalibrationError, match=r"^storage: cannot open nosuchdb://x: ") as err:
        open_study("nosuchdb://x", "s", setup, "tpe", 0)
    assert err.value.setting == "storage"
    assert "\n" not in str(err.value)


def test_unknown_sampler_names_the_setting() -> None:
    with pytest.raises(CalibrationError) as err:
        make_sampler("annealing", 0)
    assert str(err.value) == "sampler: unknown sampler 'annealing'; one of tpe, cmaes, random, qmc"
