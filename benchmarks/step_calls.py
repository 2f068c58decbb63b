"""What a small market's step asks of Python: the engine's kernel calls, and the arrays passed
to them and returned, kernel by kernel, a step.

    uv run python benchmarks/step_calls.py                        # 1,000 consumers x 700 steps
    uv run python benchmarks/step_calls.py --consumers 10000

At the sizes of calibrations and experiments a step is mostly its fixed cost. Part of it is
numba's at the border of each kernel: every array passed in is unboxed into a fresh runtime
record of its own (allocated, and freed after the call with the GIL taken again), every array
returned is boxed through a Python call. This counts them (each kernel the engine's modules
call from Python, wrapped for the run) and times one of each on this machine (a kernel of ten
arrays against a kernel of none), so that their share of a step is a product, not a guess. It
also times each kernel's calls, border included: what is left of a step is the Python and
numpy between the calls, the part only a step compiled whole would remove.
Results go to benchmarks/out/step_calls.json.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit
from numba.core.dispatcher import Dispatcher

from benchmarks.record import record

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "step_calls.json"


def arrays_in(value: Any) -> int:
    """The numpy arrays in `value`, in tuples at any depth (as numba unboxes them)."""
    if isinstance(value, np.ndarray):
        return 1
    if isinstance(value, tuple):
        return sum(arrays_in(v) for v in value)
    return 0


@contextmanager
def counting() -> Iterator[dict[str, Counter[str]]]:
    """Within the block, each kernel an engine module calls from Python is counted: calls,
    arrays passed, arrays returned and seconds in the calls, by `module.kernel`. Kernels
    already compiled or loaded (numba resolves a kernel's callees when it compiles it); put
    back after the block."""
    import sim.engine

    tally: dict[str, Counter[str]] = {
        "calls": Counter(), "in": Counter(), "out": Counter(), "seconds": Counter(),
    }  # fmt: skip
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(sim.engine.__path__, "sim.engine.")
    ]
    kernels = {
        id(obj): (obj, f"{module.__name__.rsplit('.', 1)[-1]}.{name}")
        for module in modules
        for name, obj in vars(module).items()
        if isinstance(obj, Dispatcher) and obj.py_func.__module__ == module.__name__
    }
    replaced = []
    for module in modules:  # where each is defined, and wherever it was imported by name
        for name, obj in list(vars(module).items()):
            if id(obj) in kernels and kernels[id(obj)][0] is obj:
                replaced.append((module, name, obj))
                setattr(module, name, _counted(obj, kernels[id(obj)][1], tally))
    try:
        yield tally
    finally:
        for module, name, obj in replaced:
            setattr(module, name, obj)


def _counted(kernel: Dispatcher, label: str, tally: dict[str, Counter[str]]) -> Any:
    def counted(*args: Any) -> Any:
        started = time.perf_counter()
        result = kernel(*args)
        tally["seconds"][label] += time.perf_counter() - started
        tally["calls"][label] += 1
        tally["in"][label] += arrays_in(args)
        tally["out"][label] += arrays_in(result)
        return result

    return counted


def census(consumers: int, steps: int, seed: int = 1) -> dict[str, dict[str, float]]:
    """Per step of the baseline: each kernel's calls, arrays in and arrays out, and the
    microseconds in its calls (`us`)."""
    from sim import JourneyModel, load_scenario

    spec = load_scenario(ROOT / "scenarios" / "baseline.toml")
    JourneyModel(spec, consumers=200, rng=seed).run_for(5)  # every kernel loaded
    model = JourneyModel(spec, consumers=consumers, rng=seed)
    with counting() as tally:
        model.run_for(steps)
    return {
        label: {key: tally[key][label] / steps for key in ("calls", "in", "out")}
        | {"us": tally["seconds"][label] / steps * 1e6}
        for label in sorted(tally["calls"], key=lambda k: -tally["in"][k])
    }


@njit(cache=False)
def _none(x: int) -> int:
    return x


@njit(cache=False)
def _ten(a, b, c, d, e, f, g, h, i, j):  # type: ignore[no-untyped-def]
    return a.shape[0]


@njit(cache=False)
def _returns(a):  # type: ignore[no-untyped-def]
    return a


def _best(call: Any, args: tuple, calls: int = 100_000, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            call(*args)
        best = min(best, (time.perf_counter() - started) / calls)
    return best


def border_costs() -> dict[str, float]:
    """Nanoseconds, on this machine: a kernel call with no array, each array passed in, each
    array returned (the fastest of five rounds of 100,000 calls)."""
    arrays = tuple(np.zeros(1000) for _ in range(10))
    one = arrays[:1]
    for kernel, args in ((_none, (1,)), (_ten, arrays), (_returns, one)):
        kernel(*args)
    bare = _best(_none, (1,))
    ten = _best(_ten, arrays)
    returned = _best(_returns, one)
    per_array = (ten - bare) / 10
    return {
        "call": bare * 1e9,
        "array_in": per_array * 1e9,
        "array_out": (returned - bare - per_array) * 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=700, help="≤ 730")
    args = parser.parse_args()

    from sim import JourneyModel, load_scenario

    spec = load_scenario(ROOT / "scenarios" / "baseline.toml")
    JourneyModel(spec, consumers=200, rng=2).run_for(5)
    model = JourneyModel(spec, consumers=args.consumers, rng=1)
    started = time.perf_counter()
    model.run_for(args.steps)
    step = (time.perf_counter() - started) / args.steps * 1e6

    kernels = census(args.consumers, args.steps)
    cost = border_costs()
    total = {key: sum(k[key] for k in kernels.values()) for key in ("calls", "in", "out", "us")}
    border = (
        total["calls"] * cost["call"]
        + total["in"] * cost["array_in"]
        + total["out"] * cost["array_out"]
    ) / 1000
    print(f"{args.consumers:,} consumers x {args.steps} steps: {step:.0f} us a step (uncounted)")
    print(
        f"a step: {total['calls']:.1f} kernel calls, {total['in']:.0f} arrays in, "
        f"{total['out']:.0f} out; one costs {cost['call']:.0f}, {cost['array_in']:.0f}, "
        f"{cost['array_out']:.0f} ns: {border:.0f} us, {border / step:.0%} of a step"
    )
    print(
        f"in the kernels' calls, border included: {total['us']:.0f} us; the rest, the Python "
        f"and numpy between them: {step - total['us']:.0f} us ({1 - total['us'] / step:.0%})"
    )
    print(f"{'kernel':<28}{'calls':>7}{'in':>7}{'out':>6}{'us':>7}  (a step)")
    for label, k in kernels.items():
        print(f"{label:<28}{k['calls']:>7.2f}{k['in']:>7.1f}{k['out']:>6.1f}{k['us']:>7.1f}")
    record(
        OUT,
        {
            "consumers": args.consumers,
            "steps": args.steps,
            "step_us": step,
            "costs_ns": cost,
            "per_step": total,
            "border_us": border,
            "in_kernels_us": total["us"],
            "kernels": kernels,
        },
    )


if __name__ == "__main__":
    main()
