"""The Optuna study: its storage, its trials and the search by one or several processes.

A study lives in an Optuna storage (SQLite under results/calibration/ by default, or any storage
URL), so it is resumable: the same command run again continues it, and several worker processes
(of one command, or of several at once) can share it. Every trial evaluates its parameter
vector on the same replication seeds (common random numbers); the study records the setup that
made its losses, and a command whose setup differs is refused rather than mixed in.

The `trials` setting is a count of completed trials in the study, never exceeded: before each
trial a worker counts the completed trials and those running in live processes. Each trial
records the process evaluating it (`pid`, `host`); a trial left running by a process that is
gone (killed, or stopped by Ctrl-C) is marked failed when the next command opens the study.
Worker processes end with the command that started them, also after `kill -9`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.exceptions import DuplicatedStudyError, StorageInternalError
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy.exc import IntegrityError, OperationalError

from calibration import SAMPLERS, CalibrationError, StudyMismatch
from calibration.objective import Problem, mean_curve
from calibration.samplers import PerTrial, make_sampler
from sim.running import replication_seeds
from sim.running.executors import ready_workers
from sim.running.processes import (
    GRACE,
    Terminated,
    alive,
    die_with_parent,
    end_by_exception,
    host,
    uninterrupted,
)
from sim.scenario import dump_scenario

__all__ = [
    "SAMPLERS",
    "WORKER_MODULES",
    "completed",
    "fail_stale_trials",
    "make_sampler",
    "open_study",
    "redact",
    "search",
    "setup_of",
    "taking_turns",
]

WORKER_MODULES = ("calibration.study", "calibration.uncertainty")
"""What the workers of a calibration import, besides the engine: their fork server imports it
once, so each worker starts with it (a spawned worker took seconds to import it all)."""

STOPPED = 143
"""Exit status of a worker stopped by its parent (128 + SIGTERM), its trial failed."""
UNOWNED_AGE = 60.0
"""Seconds after which a running trial that names no process (made by an older version, or
taken from the queue by a process killed before renaming it) counts as left behind."""

optuna.logging.set_verbosity(optuna.logging.ERROR)  # our own lines say what happened


def redact(url: str) -> str:
    """A storage URL fit to show: the password, if any, replaced by `***`."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if not (sep and at and colon):
        return url
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def _sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _cannot_open(url: str, exc: BaseException) -> CalibrationError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    shown = redact(url)
    if url != shown:  # a driver may quote the URL back
        first = first.replace(url, shown)
    return CalibrationError("storage", f"cannot open {shown}: {first}")


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """An Optuna RDB storage. A SQLite file's folder is created, and a lock held by another
    worker is waited for instead of failing. A SQLite file this call made is removed again if
    the disk is too full to set the storage up in it, so no half-made database is left."""
    return _open(url)[0]


def _open(url: str) -> tuple[optuna.storages.RDBStorage, bool]:
    """The storage, and whether this call made its SQLite file."""
    kwargs = None
    file = _sqlite_file(url)
    made = False
    try:
        if file is not None:
            kwargs = {"connect_args": {"timeout": 120}}
            made = _make_sqlite_file(file)
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs), made
    except Exception as exc:  # SQLAlchemy and drivers raise many kinds: all mean "cannot open"
        if made and file is not None and _disk_full(exc):
            _remove_database(file)
        raise _cannot_open(url, exc) from exc  # the cause: to tell a collision from the rest


def _make_sqlite_file(file: Path) -> bool:
    """Create an empty SQLite file (and its folder) if there is none; whether this call made
    it (two commands may start a study at once: only the one that made the file may remove
    it)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        return False
    return True


_FULL = ("database or disk is full", "disk i/o error", "no space left on device")


def _disk_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error behind it, is a disk too full to write."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(words in str(exc).lower() for words in _FULL):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _remove_database(file: Path) -> None:
    for part in (file, *(file.with_name(file.name + end) for end in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(OSError):
            part.unlink()


def setup_of(problem: Problem, reps: int, seed: int, data: str, cohort: str) -> dict[str, Any]:
    """What makes a study's losses comparable: the resolved scenario and target, R and the seed."""
    digest = hashlib.sha256(dump_scenario(problem.scenario).encode()).hexdigest()[:16]
    return {
        "scenario": digest,
        "data": data,
        "cohort": cohort,
        "fit": f"{problem.fit[0]}-{problem.fit[-1]}",
        "horizon": problem.horizon,
        "reps": reps,
        "seed": seed,
    }


# A setup's keys are the settings of `calibration.calibrate.plan` they come from, but for this one
# ("scenario" is the digest of the resolved scenario, not a setting's value but named alike).
_SETTING = {"fit": "fit_periods"}


OPEN_ATTEMPTS = 3
"""Tries at opening a study: two commands making a new one at once can collide once."""
_COLLISIONS = (OperationalError, IntegrityError, StorageInternalError, DuplicatedStudyError)


def open_study(url: str, name: str, setup: dict[str, Any], sampler: str, seed: int) -> optuna.Study:
    """Create the study, or load it and check that it was made with the same setup; mark the
    trials that processes now gone left running as failed."""
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            return _open_study(url, name, setup, sampler, seed)
        except CalibrationError as exc:
            cause = exc.__cause__
            if attempt == OPEN_ATTEMPTS or not isinstance(cause, _COLLISIONS) or _disk_full(cause):
                raise
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def _open_study(
    url: str, name: str, setup: dict[str, Any], sampler: str, seed: int
) -> optuna.Study:
    storage, made = _open(url)
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=name,
            direction="minimize",
            load_if_exists=True,
            sampler=PerTrial(sampler, seed),
        )
        stored = study.user_attrs.get("setup")
        if stored is None:
            study.set_user_attr("setup", setup)
    except Exception as exc:  # the storage failing: a full disk, a lost connection
        file = _sqlite_file(url)
        if made and file is not None and _disk_full(exc):
            with contextlib.suppress(Exception):
                storage.remove_session()
                storage.engine.dispose()
            _remove_database(file)
        raise _cannot_open(url, exc) from exc
    if stored is not None and stored != setup:
        key = next(k for k in setup if stored.get(k) != setup[k])
        raise StudyMismatch(name, redact(url), _SETTING.get(key, key), stored.get(key), setup[key])
    fail_stale_trials(study)
    return study


def completed(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def left_behind(trial: FrozenTrial, here: str | None = None) -> bool:
    """Whether a running trial was left by a process that is gone.

    A trial names its process (`pid`, `host`); one on another machine cannot be judged from
    here and counts as running. One that names no process counts as left behind after
    `UNOWNED_AGE` seconds.
    """
    since = trial.datetime_start.timestamp() if trial.datetime_start else None
    pid = trial.user_attrs.get("pid")
    if not isinstance(pid, int):
        return since is not None and time.time() - since > UNOWNED_AGE
    if trial.user_attrs.get("host") != (here or host()):
        return False
    return not alive(pid, since=since)


def fail_stale_trials(study: optuna.Study) -> list[int]:
    """Mark the running trials of processes that are gone as failed, and queue their parameters
    again (as Optuna's `RetryFailedTrialCallback` does), so the sampler's choice is evaluated
    after all; return the failed trials' numbers."""
    here = host()
    failed = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if left_behind(t, here):
            with contextlib.suppress(RuntimeError, ValueError):  # it finished meanwhile
                study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
                failed.append(t.number)
                if t.params:  # killed after its parameters were drawn
                    stage = {k: t.user_attrs[k] for k in ("stage",) if k in t.user_attrs}
                    study.enqueue_trial(t.params, user_attrs=owner(**stage, retry_of=t.number))
    return failed


def _taken(study: optuna.Study, below: int | None = None) -> int:
    """Trials of the study that are completed or running in a live process (only those
    numbered below `below`, if given)."""
    here = host()
    return sum(
        1
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))
        if (below is None or t.number < below)
        and (t.state == TrialState.COMPLETE or not left_behind(t, here))
    )


def objective(problem: Problem, reps: int, seed: int) -> Callable[[optuna.Trial], float]:
    """Optuna's objective: simulate on the fixed seeds, keep the mean curve with the trial."""
    seeds = replication_seeds(seed, reps)

    def evaluate(trial: optuna.Trial) -> float:
        curves = problem.simulate(problem.suggest(trial), seeds)
        curve = mean_curve(curves)
        trial.set_user_attr("retention", [None if np.isnan(v) else float(v) for v in curve])
        return problem.loss(curves)

    return evaluate


def owner(**more: Any) -> dict[str, Any]:
    """The user attributes naming this process as a trial's owner (`left_behind` reads them)."""
    return {"host": host(), "pid": os.getpid(), **more}


def _ask(study: optuna.Study, names: dict[str, Any], lock: Path | None) -> optuna.Trial:
    """A new trial that names its process from the moment it exists, so a process killed
    outright (no signal to defer) never leaves a running trial that names no one.

    The trial is queued with the names and then taken; a trial queued already (drawn from the
    posterior, `calibration.refine`, or a retry, named by the process that queued it) is taken
    instead and renamed. Taking from Optuna's queue is not atomic on SQLite (two processes can
    both take one trial), so there processes take turns through a lock file beside the study.
    """
    with taking_turns(lock):
        if not study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
            study.enqueue_trial({}, user_attrs=names)
        trial = study.ask()
        if any(trial.user_attrs.get(k) != v for k, v in names.items()):
            for k, v in names.items():
                trial.set_user_attr(k, v)
    return trial


def queue_lock(url: str) -> Path | None:
    """The lock file through which processes take trials from a SQLite study's queue."""
    file = _sqlite_file(url)
    return None if file is None else file.with_name(file.name + "-lock")


@contextlib.contextmanager
def taking_turns(lock: Path | None) -> Iterator[None]:
    """Processes on one SQLite study take turns through its `queue_lock` (a server database
    locks the rows it hands out: no lock there)."""
    if lock is None:
        yield
        return
    with lock.open("a") as handle:  # released by the system too if the process is killed
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_trials(
    study: optuna.Study,
    evaluate: Callable[[optuna.Trial], float],
    trials: int,
    limit: int,
    worker: int = 0,
    on_trial: Callable[[optuna.Study], None] | None = None,
    lock: Path | None = None,
) -> int:
    """Evaluate trials one by one while the study has fewer than `trials` completed or running
    ones, at most `limit` of them; return how many completed here.

    The count is checked before each trial, and again once the trial has its number: if
    other processes took the last ones meanwhile, the trial is failed without being evaluated,
    so the study never ends with more completed trials than `trials`. A trial whose evaluation
    raises (Ctrl-C too) is marked failed before the error goes on. Processes sharing a SQLite
    study pass its `queue_lock`.
    """
    ran = 0
    while ran < limit and _taken(study) < trials:
        trial: optuna.Trial | None = None
        try:
            with uninterrupted():  # Ctrl-C waits until the trial names its process
                trial = _ask(study, owner(worker=worker), lock)
            if _taken(study, below=trial.number) >= trials:
                study.tell(trial, state=TrialState.FAIL)
                break
            value = evaluate(trial)
        except BaseException:
            if trial is not None:
                study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
            raise
        study.tell(trial, value)
        ran += 1
        if on_trial is not None:
            on_trial(study)
    return ran


def _work(
    url: str,
    name: str,
    problem: Problem,
    reps: int,
    seed: int,
    sampler: str,
    worker: int,
    limit: int,
    trials: int,
) -> None:
    """A worker process's share of the trials. Ctrl-C is the parent's to handle; stopped by
    the parent (SIGTERM) or orphaned, it fails the trial under way and ends quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_by_exception()
    die_with_parent()
    try:
        study = optuna.load_study(
            storage=open_storage(url), study_name=name, sampler=PerTrial(sampler, seed)
        )
        run_trials(
            study, objective(problem, reps, seed), trials, limit, worker, lock=queue_lock(url)
        )
    except Terminated:
        sys.exit(STOPPED)


def search(
    study: optuna.Study,
    url: str,
    problem: Problem,
    *,
    trials: int,
    reps: int,
    seed: int,
    sampler: str,
    workers: int,
    on_progress: Callable[[int, float | None], None] | None = None,
) -> None:
    """Run trials until the study has `trials` completed ones, split across `workers` processes.

    `on_progress(completed, best_loss)` is called as trials finish. However the search ends
    (Ctrl-C too), the trials its workers left running are marked failed.
    """
    name = study.study_name
    remaining = trials - _taken(study)
    if on_progress is not None:
        on_progress(len(completed(study)), _best(study))
    if remaining <= 0:
        return
    shares = [remaining // workers + (w < remaining % workers) for w in range(workers)]
    shares = [n for n in shares if n]
    if len(shares) == 1:
        study.sampler = PerTrial(sampler, seed)
        shown = None if on_progress is None else lambda s: on_progress(len(completed(s)), _best(s))
        run_trials(
            study, objective(problem, reps, seed), trials, remaining, on_trial=shown,
            lock=queue_lock(url),
        )  # fmt: skip
        return
    context = ready_workers(WORKER_MODULES)  # Ctrl-C ends a wait for its warm-up
    procs = [
        context.Process(
            target=_work,
            args=(url, name, problem, reps, seed, sampler, w, n, trials),
            name=f"journey-calibrate-{w}",
        )
        for w, n in enumerate(shares)
    ]
    try:
        for p in procs:
            p.start()
        while any(p.is_alive() for p in procs):
            time.sleep(0.5)
            if on_progress is not None:
                # Ctrl-C waits for the reads: one landing inside the storage's transaction
                # could leave it open, and the failing of the trials under way then waits on it
                with uninterrupted():
                    done, best = len(completed(study)), _best(study)
                on_progress(done, best)
    finally:
        _stop(procs)
        fail_stale_trials(study)
    failed = [p for p in procs if p.exitcode not in (0, None)]
    if failed:
        raise CalibrationError(
            None, f"{len(failed)} worker process(es) failed (exit {failed[0].exitcode})"
        )
    if on_progress is not None:
        on_progress(len(completed(study)), _best(study))


def _stop(procs: list[multiprocessing.process.BaseProcess]) -> None:
    """Stop the workers still running (each fails its trial under way), and wait for them."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        if p.pid is None:  # never started
            continue
        p.join(timeout=GRACE)
        if p.is_alive():  # stuck: end it outright
            p.kill()
            p.join()


def _best(study: optuna.Study) -> float | None:
    done = completed(study)
    return min(t.value for t in done) if done else None
