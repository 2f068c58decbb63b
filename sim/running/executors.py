"""Where tasks run: in this process, in local processes, or on a Dask cluster, behind one small
interface (`submit` a call, collect the futures `as_completed`, `close`), as EMA Workbench's
evaluators do. `run` sends replications through it, experiments send batches of runs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from typing import Any, Protocol

from sim.running.processes import die_with_parent

__all__ = [
    "WARMED",
    "DaskCluster",
    "Executor",
    "InProcess",
    "LocalProcesses",
    "executor_for",
    "ready_workers",
    "start_workers",
]


class Executor(Protocol):
    """Where tasks run: `submit` a call, then collect the futures `as_completed`."""

    workers: int
    description: str

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def as_completed(self, futures: list[Any]) -> Iterator[Any]: ...

    def close(self, cancel: bool) -> None: ...


class _Deferred:
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args = fn, args
        self.value: Any = None
        self.done = False

    def result(self) -> Any:
        if not self.done:
            self.value, self.done = self.fn(*self.args), True
        return self.value


class InProcess:
    """Tasks run one after another in this process, when collected."""

    workers = 1
    description = "in this process"

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Deferred:
        return _Deferred(fn, args)

    def as_completed(self, futures: list[_Deferred]) -> Iterator[_Deferred]:
        for f in futures:
            f.result()
            yield f

    def close(self, cancel: bool) -> None:
        pass


def _worker_start() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from every worker),
    and end with the parent if it is killed (no orphans running on)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


PRELOAD = ["sim.experiments.runner", "sim.running.replications", "sim.engine.model"]
"""What a fork server imports once, so that each worker it forks starts with the engine
loaded instead of importing Mesa, polars and the model again (seconds per worker)."""

WARMED = ("sim.running.warmup",)
"""Added to `PRELOAD` for runs and experiments (`LocalProcesses`): every kernel loaded once, in
the fork server, instead of in each worker. Calibration's workers are not warmed: started
together, warmed workers finish their trials together, which moves when a stop finds a trial
under way (its tests stop searches mid-trial); loading kernels themselves, they drift apart."""


def worker_context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server that has imported the engine (and `preload`, the
    caller's own modules) but run nothing, so no thread pool, polars' included, is copied
    half-held into a worker; spawned where there is no fork server (Windows). A command's
    fork server starts once: the `preload` of its first call holds."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, *preload])
    return context


def start_workers(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """The context of `worker_context`, its fork server started now if not yet: it imports and
    warms the engine while this process goes on (its own imports, an estimate's probe, the
    plan), not after it, when the first task is submitted. A command that will run local
    workers calls it as soon as its arguments are checked."""
    context = worker_context(preload)
    if context.get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()
    return context


POLL = 0.05
"""Seconds between looks at the fork server's first fork (`ready_workers`)."""


class LocalProcesses:
    """Tasks run in `workers` local processes (forked from a clean fork server, or spawned:
    no state shared with this one); the fork server imports `preload` (`start_workers`)."""

    def __init__(self, workers: int, preload: Sequence[str] = WARMED) -> None:
        self.workers = workers
        self.description = f"{workers} local processes"
        context = ready_workers(preload)
        self.pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self.pool.submit(fn, *args)

    def as_completed(self, futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        return futures_completed(futures)

    def __enter__(self) -> LocalProcesses:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Closed on the way out; on an exception (Ctrl-C included) the runs under way are
        stopped at once, where a `ProcessPoolExecutor`'s own exit first runs every task queued."""
        self.close(cancel=kind is not None)

    def close(self, cancel: bool) -> None:
        if cancel:  # stop the runs under way: their parts were never written
            _end_fork_server()
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
            # A worker ended while sending its result leaves the message half-written, and the
            # pool's reader waits for the rest as long as any write end is open, this process's
            # own included: closing it lets the reader see the end once the workers are gone.
            writer = getattr(getattr(self.pool, "_result_queue", None), "_writer", None)
            if writer is not None:
                writer.close()
        self.pool.shutdown(wait=True, cancel_futures=cancel)


def _nothing() -> None:
    """A process that does nothing (`ready_workers`'s)."""


def ready_workers(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """The context of `start_workers`, once its fork server forks (it imports and warms the
    engine first: a second or two, more with a cold cache), waited for where Ctrl-C can end
    the wait: a thread starts a process that does nothing, this one polls. Blocked on the fork
    server's pipe instead, a command missed a Ctrl-C that the kernel handed to another of its
    threads until the warm-up was over, and the worker then forked started after the pool was
    gone (a traceback)."""
    context = start_workers(preload)
    if context.get_start_method() != "forkserver":
        return context
    forked = threading.Event()

    def fork() -> None:
        with contextlib.suppress(Exception):  # the server ended: nothing to wait for
            process = context.Process(target=_nothing)
            process.start()
            process.join()
        forked.set()

    threading.Thread(target=fork, name="fork-server-ready", daemon=True).start()
    try:
        while not forked.wait(POLL):
            pass
    except BaseException:
        _end_fork_server()
        raise
    return context


def _end_fork_server() -> None:
    """End this process's fork server now (it is started again when next needed). Workers it
    has forked live on until terminated; a worker asked for while it was still importing or
    warming up is never forked, where it would be forked after the pool is gone and fail with a
    traceback, and keep the command waiting for the warm-up (seconds; more with a cold cache).
    Python offers no public call for this: `_forkserver_pid` and `_stop` are its own."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    stop = getattr(server, "_stop", None)
    if pid is None or stop is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    stop()  # reaps it and forgets its address


class DaskCluster:
    """Tasks run on an existing Dask distributed cluster (`tcp://HOST:PORT`)."""

    def __init__(self, address: str) -> None:
        from dask.distributed import Client

        self.client = Client(address, timeout="10s", set_as_default=False)
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.description = f"Dask cluster at {address} ({self.workers} threads)"

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures: list[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        return iter(as_completed(futures, loop=self.client.loop))

    def close(self, cancel: bool) -> None:
        self.client.close()


def executor_for(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A Dask cluster if `scheduler` is given, else `workers` local processes (default: all
    cores), or this process for one worker."""
    if scheduler is not None:
        return DaskCluster(scheduler)
    n = workers or os.cpu_count() or 1
    return InProcess() if n == 1 else LocalProcesses(n)
