"""The floor under the engine's speed: the least work the baseline scenario's events need.

    uv run python benchmarks/event_floor.py            # 10k x 730, 100k x 365, 1M x 365
    uv run python benchmarks/event_floor.py --quick    # 10k x 730 and 100k x 365

A run of the baseline scenario counts its events per consumer-step (contacts of every
touchpoint, product experiences, word of mouth, problems, research). Whatever the engine, each
event changes some consumer's state at a place no one can predict; the floor is the time of a
kernel that does only that: for each event one counter-based draw (`draws._hash`, the engine's
own) and one read-modify-write of a float at the consumer it falls on, the events of a step
picked in increasing order as the engine picks them (`draws._indices`), with no per-step pass,
no census, no bookkeeping and no Python between steps. Experiences are also timed with the
normal draw of the quality met (`draws._normal`), which the model's semantics need.

The budget is what a target allows per consumer-step: 1 / (ratio x the peer's agent-steps per
second), the peer (Mesa's `virus_on_network`) measured by `speed.py`'s own child process before
and after, its median taken; for the 1M target, 10 s over the consumer-steps. The engine's
time is split into build, the fixed cost of a step (a step of 100 consumers), the fading pass
and the rest (the moments' kernels and what calls them). The targets are judged on a process's
first model, which also loads every kernel from numba's disk cache; that load (`load`: a
child's first small model less its second, as `speed.py`'s warm column) is a cost any engine
compiled by numba pays, so it is added to the floor ("floor + load"). A floor above a budget
would mean no implementation of this scenario's events meets that target on this machine;
below it, the target is a matter of engineering. Medians over `--repeats`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.speed import (  # noqa: E402
    SCENARIOS,
    TARGET_1M_SECONDS,
    TARGET_FULL_PEER,
    scenario_for,
)
from sim.engine.draws import _base, _hash, _indices, _normal  # noqa: E402
from sim.engine.kernels import njit  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "event_floor.json"
SIZES = {10_000: 730, 100_000: 365, 1_000_000: 365}
KINDS = ("contacts", "experiences", "talks", "problems", "researched")


def _model(consumers: int, steps: int, seed: int):  # type: ignore[no-untyped-def]
    from sim import JourneyModel

    spec = scenario_for(SCENARIOS["full"], steps)
    return JourneyModel(spec, consumers=consumers, rng=seed)


def engine_run(consumers: int, steps: int, seed: int) -> dict:
    """One run of the baseline scenario: its events per consumer-step by kind, from the
    ledger (experiences: the usage rate times the customer-steps, their expected number), its
    build and step seconds, and the seconds of the step's fading pass (`memory.forget`)."""
    import polars as pl

    from sim.engine import memory

    fading = [0.0]
    forget = memory.forget

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        forget(*args, **kwargs)
        fading[0] += time.perf_counter() - t0

    t0 = time.perf_counter()
    model = _model(consumers, steps, seed)
    t1 = time.perf_counter()
    memory.forget = timed
    try:
        model.run_for(steps)
    finally:
        memory.forget = forget
    t2 = time.perf_counter()
    sums = dict(model.metrics().group_by("metric").agg(pl.col("value").sum()).iter_rows())
    per = float(consumers * steps)
    events = {
        "contacts": sums["contacts"] / per,
        "experiences": model.spec.smot.usage_rate * sums["customers"] / per,
        "talks": (sums["wom"] + sums.get("wom_former", 0.0)) / per,
        "problems": sums["problems"] / per,
        "researched": sums["researched"] / per,
    }
    return {"events": events, "build_s": t1 - t0, "steps_s": t2 - t1, "fading_s": fading[0]}


def fixed_per_step(steps: int, seed: int) -> float:
    """Seconds a step costs whatever the population: a step of 100 consumers."""
    model = _model(100, steps, seed)
    t0 = time.perf_counter()
    model.run_for(steps)
    return (time.perf_counter() - t0) / steps


@njit(cache=True)
def _floor(state, steps, rates, normal_kind):  # type: ignore[no-untyped-def]
    """Each step, each kind: its events picked among the consumers at its rate, each one drawn
    for (`_hash`) and added to the state of the consumer it falls on; the kind
    `normal_kind` (-1: none) draws a normal instead. Returns a checksum (kept, not dead code)."""
    n = state.shape[0]
    total = 0.0
    for t in range(steps):
        for kind in range(rates.shape[0]):
            picks = _indices(_base(np.uint64(kind + 1), t), n, rates[kind])
            base = _base(np.uint64(kind + 1001), t)  # the event's own draw, not its pick's
            for i in picks:
                state[i] += _normal(base, i) if kind == normal_kind else _hash(base, i)
        total += state[t % n]
    return total


def time_floor(consumers: int, steps: int, rates: dict[str, float], normal: bool) -> float:
    """Seconds for the floor kernel over `steps` steps of `consumers` consumers."""
    state = np.zeros(consumers)
    r = np.array([rates[k] for k in KINDS])
    kind = KINDS.index("experiences") if normal else -1
    t0 = time.perf_counter()
    _floor(state, steps, r, kind)
    return time.perf_counter() - t0


def kernel_load(seed: int) -> float:
    """Seconds a process's first model spends loading the engine's kernels from numba's disk
    cache: a fresh child's first model of 2,000 consumers over 100 steps, build and steps,
    less the same model again in the same child (`speed.py`'s warm run)."""
    from benchmarks.speed import measure

    args = argparse.Namespace(seed=seed, peer_degree=3.0, timeout=600)
    run = measure("full", 2_000, 100, args)
    return run["build_s"] + run["steps_s"] - run["warm_s"]


def peer_rate(seed: int) -> float:
    """The peer's agent-steps per second as `speed.py` measures it (a fresh child process, its
    1,000 nodes of mean degree 3 over 100 steps), so the budgets are the targets' own."""
    from benchmarks.speed import measure

    args = argparse.Namespace(seed=seed, peer_degree=3.0, timeout=600)
    return measure("peer", 1_000, 100, args)["rate"]


def _median_run(n: int, steps: int, seed: int, repeats: int) -> dict:
    runs = [engine_run(n, steps, seed + r) for r in range(repeats)]
    out = {k: statistics.median(r[k] for r in runs) for k in ("build_s", "steps_s", "fading_s")}
    return out | {"events": runs[0]["events"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="10k and 100k only")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    sizes = {k: v for k, v in SIZES.items() if not (args.quick and k >= 1_000_000)}

    _floor(np.zeros(10), 1, np.array([0.5]), 0)  # compiled (or loaded) before any timing
    engine_run(1_000, 10, args.seed)  # the engine's kernels too
    peers = [peer_rate(args.seed + r) for r in range(args.repeats)]
    fixed = statistics.median(fixed_per_step(365, args.seed + r) for r in range(args.repeats))
    load = statistics.median(kernel_load(args.seed + r) for r in range(args.repeats))
    rows = []
    for n, steps in sizes.items():
        run = _median_run(n, steps, args.seed, args.repeats)
        floor = [
            statistics.median(time_floor(n, steps, run["events"], normal) for _ in range(3))
            for normal in (False, True)
        ]
        rows.append({"consumers": n, "steps": steps, **run,
                     "floor_s": floor[0], "floor_normal_s": floor[1]})  # fmt: skip
    peers += [peer_rate(args.seed + r) for r in range(args.repeats)]
    peer = statistics.median(peers)

    print(f"peer: {peer / 1e6:.2f} M agent-steps/s (median of {len(peers)}); a step's fixed "
          f"cost (100 consumers): {1e6 * fixed:.0f} us; loading the kernels: "
          f"{1e3 * load:.0f} ms a process")  # fmt: skip
    print("ns per consumer-step (the engine's figures after its kernels are loaded):")
    print("size             events  engine  = build + fixed + fading + rest   floor (normals)"
          "  load  floor+load  budget  target")  # fmt: skip
    for row in rows:
        n, steps = row["consumers"], row["steps"]
        ns = 1e9 / (n * steps)
        if (n, steps) in TARGET_FULL_PEER:
            ratio = TARGET_FULL_PEER[(n, steps)]
            budget, target = 1e9 / (ratio * peer), f">= {ratio:g}x peer"
        else:
            budget, target = TARGET_1M_SECONDS * ns, f"< {TARGET_1M_SECONDS:g} s"
        parts = {
            "build": row["build_s"] * ns,
            "fixed": fixed * steps * ns,
            "fading": row["fading_s"] * ns,
        }
        parts["rest"] = row["steps_s"] * ns - parts["fixed"] - parts["fading"]
        row |= {"fixed_step_s": fixed, "load_s": load, "budget_ns": budget, "target": target,
                "ns": parts}  # fmt: skip
        print(
            f"{n:>9,} x {steps:<4} {sum(row['events'].values()):>6.3f}"
            f"  {sum(parts.values()):>6.1f}  = {parts['build']:>5.1f} + {parts['fixed']:>5.1f}"
            f" + {parts['fading']:>6.1f} + {parts['rest']:>4.1f}"
            f"   {row['floor_s'] * ns:>5.1f} ({row['floor_normal_s'] * ns:.1f})"
            f"  {load * ns:>5.1f}  {(row['floor_normal_s'] + load) * ns:>9.1f}"
            f"  {budget:>6.1f}  {target}"
        )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "peer_agent_steps_per_s": peer, "kernel_load_s": load, "repeats": args.repeats,
        "rows": rows,
    }, indent=1))  # fmt: skip
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
