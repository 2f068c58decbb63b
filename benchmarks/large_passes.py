"""The fading pass at a million consumers: what two threads, and what fading attitudes only
when they are read, could take off it.

    uv run python benchmarks/large_passes.py                        # 1,000,000 consumers
    uv run python benchmarks/large_passes.py --consumers 100000

At a million consumers `memory._forget`, the pass over every (consumer, brand) at the start of
a step, is the engine's heaviest kernel (about 15 % of a step under `perf`). Two ways to take
it down were candidates: threads (numba's `prange` over fixed chunks of consumers, the
awareness counts summed chunk by chunk, so results stay the same to the bit whatever the
number of threads) and lazy fading (each attitude brought up to date when it is read, leaving
the pass only the scan for traces due to be forgotten). This times, on a model's own arrays
after some steps: the pass as the engine runs it, the same pass over numba's threads, and the
scan alone (the least a lazy pass keeps), each hot (run again and again, its arrays in the
cache) and cold (after a sweep over a buffer larger than the cache, as in a model's step,
where the moments' other passes run in between). Results go to
benchmarks/out/large_passes.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

from benchmarks.record import record
from sim.engine.memory import NEVER, _forget

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "large_passes.json"
CHUNK = 16_384  # consumers a chunk: fixed, so the chunks (and the sums) do not depend on threads


@njit(parallel=True)
def threaded(forget_at, fade, factors, attitude, prior, aware, own, t, known):  # type: ignore[no-untyped-def]
    """`memory._forget` itself over numba's threads: each fixed chunk of consumers by the
    engine's pass, counting what it forgets in a row of its own, the rows summed in order."""
    n, brands = attitude.shape
    chunks = (n + CHUNK - 1) // CHUNK
    lost = np.zeros((chunks, brands), dtype=np.int64)
    for c in prange(chunks):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        _forget(
            forget_at[lo:hi], fade[lo:hi], factors, attitude[lo:hi], prior[lo:hi], aware[lo:hi],
            own[lo:hi], t, lost[c],
        )  # fmt: skip
    for c in range(chunks):
        for b in range(brands):
            known[b] += lost[c, b]


@njit
def scan(forget_at, fade, factors, attitude, prior, aware, own, t, known):  # type: ignore[no-untyped-def]
    """What a pass keeps once attitudes fade when read: the traces due are forgotten."""
    for i in range(forget_at.shape[0]):
        mine = own[i]
        for b in range(forget_at.shape[1]):
            if forget_at[i, b] == t and mine != b:
                aware[i, b] = False
                known[b] -= 1
                forget_at[i, b] = NEVER


@njit
def _sweep(buffer: np.ndarray) -> float:
    """Read and write every line of `buffer`, pushing a pass's arrays out of the cache."""
    total = 0.0
    for k in range(0, buffer.shape[0], 8):
        buffer[k] += 1.0
        total += buffer[k]
    return total


def _arrays(model) -> tuple:  # type: ignore[no-untyped-def]
    """Copies of what the model's fading pass is handed (`step.step`), at its next step."""
    pop = model.population
    return (
        pop.forget_at.copy(), pop.fade.copy(), model.factors, pop.attitude.copy(),
        pop.prior, pop.aware.copy(), pop.brand, model.t + 1, model.known.copy(),
    )  # fmt: skip


def _time(
    kernel: Callable[..., None], arrays: tuple, repeats: int, buffer: np.ndarray | None
) -> float:
    """Median seconds of `kernel` on fresh copies of `arrays`, the cache swept before each
    call when `buffer` is given."""
    times = []
    for _ in range(repeats):
        copies = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in arrays)
        if buffer is not None:
            _sweep(buffer)
        started = time.perf_counter()
        kernel(*copies)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def same_results(arrays: tuple) -> bool:
    """Whether the threaded pass leaves every array as the engine's pass does, to the bit."""
    serial = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in arrays)
    parallel = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in arrays)
    _forget(*serial)
    threaded(*parallel)
    return all(
        s.tobytes() == p.tobytes()
        for s, p in zip(serial, parallel, strict=True)
        if isinstance(s, np.ndarray)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=60, help="steps run before timing")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--sweep-mib", type=int, default=1024, help="buffer swept (cold)")
    args = parser.parse_args()

    from sim import JourneyModel, load_scenario

    spec = load_scenario(ROOT / "scenarios" / "baseline.toml")
    JourneyModel(spec, consumers=200, rng=2).run_for(5)  # the kernels loaded before the timer
    model = JourneyModel(spec, consumers=args.consumers, rng=1)
    started = time.perf_counter()
    model.run_for(args.steps)
    step = (time.perf_counter() - started) / args.steps
    arrays = _arrays(model)
    same = same_results(arrays)  # compiles the threaded pass, too
    scan(*_arrays(model))
    buffer = np.zeros(args.sweep_mib * 2**20 // 8)
    _sweep(buffer)

    kernels = {"engine": _forget, "threads": threaded, "scan": scan}
    rows = {}
    for name, kernel in kernels.items():
        hot = _time(kernel, arrays, args.repeats, None)
        cold = _time(kernel, arrays, args.repeats, buffer)
        rows[name] = {"hot_ms": hot * 1e3, "cold_ms": cold * 1e3}
    engine = rows["engine"]
    print(
        f"{args.consumers:,} consumers after {args.steps} steps: {step * 1e3:.1f} ms a step; "
        f"{numba.get_num_threads()} threads; threaded pass the same to the bit: {same}"
    )
    print(f"{'pass':<10}{'hot ms':>9}{'cold ms':>9}{'x engine (cold)':>17}{'% of a step':>13}")
    for name, r in rows.items():
        r["cold_ratio"] = engine["cold_ms"] / r["cold_ms"]
        r["of_step"] = r["cold_ms"] / 1e3 / step
        print(
            f"{name:<10}{r['hot_ms']:>9.2f}{r['cold_ms']:>9.2f}{r['cold_ratio']:>17.2f}"
            f"{r['of_step']:>13.1%}"
        )
    record(
        OUT,
        {
            "consumers": args.consumers,
            "steps": args.steps,
            "step_ms": step * 1e3,
            "threads": numba.get_num_threads(),
            "same_to_the_bit": same,
            "passes": rows,
        },
    )


if __name__ == "__main__":
    main()
