"""Speed benchmark: consumer-steps per second and peak memory, against Mesa's own peer model.

    uv run python benchmarks/speed.py            # 10k x 730, 100k and 1M x 365 steps, 3 repeats
    uv run python benchmarks/speed.py --quick    # smoke check: 10k x 730 and 100k x 365, 1 repeat

Every measurement runs in a fresh child process (this file with `--child`), so its peak memory
is its own. Build (JourneyModel construction) and steps (`model.run_for(steps)`) are timed
separately. The first model of a process also loads every kernel from numba's disk cache (about
0.13 s, a quarter of a 10k run, paid once by each worker of an experiment); below a million
consumers a second model is built and run in the same child, and its build + steps is the
"warm" figure. The peer is Mesa's `virus_on_network` example on a small network, of which only
`model.step()` calls are timed; one peer measurement precedes every model measurement, and
throughputs are quoted as ratios to the median peer throughput of the same run, because the
machine is shared and noisy. Figures are medians over repeats. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SCENARIOS = {
    "full": ROOT / "scenarios" / "baseline.toml",
    "bass": ROOT / "scenarios" / "verification" / "bass.toml",
}
MIB = 2**20
GIB = 2**30

# Targets of the engine-speed issue (10), for the full model with build and steps in one
# process (consumer-steps over build + steps time, against the peer's agent-steps per second):
TARGET_FULL_PEER = {(10_000, 730): 50.0, (100_000, 365): 100.0}
TARGET_1M_SECONDS = 10.0  # 1M consumers x 365 steps, build + steps
TARGET_1M_PEAK = 1.5 * GIB
# and, from the issue before it, the Bass reduction at 100k consumers and above (steps only)
TARGET_BASS_PEER = 100.0
PEER_TARGET_MIN_SIZE = 100_000
DEFAULT_SIZES = ["10000:730", "100000", "1000000"]
WARM_BELOW = 1_000_000  # consumers: a second, warm model is timed below this size


# --- child: one measurement ---------------------------------------------------------------


def _peak_rss() -> dict[str, float]:
    """Peak resident memory of this process, in bytes.

    On Linux `ru_maxrss` survives exec, so a child's figure can be its parent's peak; the
    memory map's own high-water mark (VmHWM) starts afresh at exec and is the one reported.
    """
    import resource

    scale = 1 if sys.platform == "darwin" else 1024
    out = {"ru_maxrss": float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale)}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    out["vm_hwm"] = float(line.split()[1]) * 1024
    except OSError:
        pass
    out["peak"] = out.get("vm_hwm", out["ru_maxrss"])
    return out


def scenario_for(path: Path | str, steps: int):  # type: ignore[no-untyped-def]
    """The scenario at `path`, lengthened to `steps` if shorter (the ledger is sized by the
    scenario's horizon)."""
    from sim import load_scenario

    spec = load_scenario(path)
    if steps > spec.time.steps:
        from sim.scenario import apply_overrides

        spec = apply_overrides(spec, {"time": {"steps": steps}})
    return spec


def _child_model(args: argparse.Namespace) -> dict:
    from sim import JourneyModel

    spec = scenario_for(args.scenario, args.steps)
    import numpy as np

    # numba's own start-up (LLVM, ~0.4 s once per process) is paid before the timer, as the
    # imports are: importing the engine paid it while it built its formulas' ufuncs at import
    from sim.engine.draws import _mix

    _mix(np.uint64(1))
    imported = _peak_rss()["peak"]
    t0 = time.perf_counter()
    model = JourneyModel(spec, consumers=args.consumers, rng=args.seed)
    t1 = time.perf_counter()
    model.run_for(args.steps)
    t2 = time.perf_counter()
    assert model.t == args.steps, (model.t, args.steps)
    out = {"build_s": t1 - t0, "steps_s": t2 - t1, "rss_after_import": imported}
    out |= {f"{k}_bytes": v for k, v in _peak_rss().items()}  # the peak of one model
    if args.consumers < WARM_BELOW:  # the same run again, its kernels loaded
        del model
        t0 = time.perf_counter()
        JourneyModel(spec, consumers=args.consumers, rng=args.seed).run_for(args.steps)
        out["warm_s"] = time.perf_counter() - t0
    return out


def _child_peer(args: argparse.Namespace) -> dict:
    import random

    from mesa.examples.basic.virus_on_network.model import VirusOnNetwork

    random.seed(args.seed)  # networkx draws the example's graph from the global generator
    imported = _peak_rss()["peak"]
    t0 = time.perf_counter()
    model = VirusOnNetwork(
        num_nodes=args.consumers, avg_node_degree=args.peer_degree, rng=args.seed
    )
    t1 = time.perf_counter()
    for _ in range(args.steps):
        model.step()
    t2 = time.perf_counter()
    infected = model.datacollector.model_vars["Infected"]
    return {
        "build_s": t1 - t0,
        "steps_s": t2 - t1,
        "rss_after_import": imported,
        "infected_peak": max(infected),
        "infected_at_end": infected[-1],
    }


def child(args: argparse.Namespace) -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _child_peer(args) if args.child == "peer" else _child_model(args)
    result = {f"{k}_bytes": v for k, v in _peak_rss().items()} | result
    result["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
    print(json.dumps(result))


# --- parent: the benchmark ----------------------------------------------------------------


def parse_size(text: str, steps: int) -> tuple[int, int]:
    """`N` or `N:STEPS` (consumers, and steps if not the default)."""
    n, _, k = text.partition(":")
    return int(n), int(k) if k else steps


def measure(kind: str, consumers: int, steps: int, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--consumers",
        str(consumers),
        "--steps",
        str(steps),
        "--seed",
        str(args.seed),
        "--peer-degree",
        str(args.peer_degree),
    ]
    if kind != "peer":
        cmd += ["--scenario", str(SCENARIOS[kind])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"child {kind} at {consumers:,} failed (exit {proc.returncode})")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result |= {
        "workload": kind,
        "consumers": consumers,
        "steps": steps,
        "rate": consumers * steps / result["steps_s"],
        "rate_total": consumers * steps / (result["build_s"] + result["steps_s"]),
    }
    if "warm_s" in result:
        result["rate_warm"] = consumers * steps / result["warm_s"]
    return result


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def summarise(runs: list[dict]) -> dict:
    return {
        "repeats": len(runs),
        "build_s": _median(runs, "build_s"),
        "steps_s": _median(runs, "steps_s"),
        "rate": _median(runs, "rate"),
        "rate_min": min(r["rate"] for r in runs),
        "rate_max": max(r["rate"] for r in runs),
        "rate_total": _median(runs, "rate_total"),
        "peak_bytes": _median(runs, "peak_bytes"),
        "rss_after_import": _median(runs, "rss_after_import"),
    } | ({"rate_warm": _median(runs, "rate_warm")} if all("rate_warm" in r for r in runs) else {})


def targets_for(kind: str, n: int, steps: int, row: dict, peer_rate: float) -> dict[str, bool]:
    """The issues' targets that apply to one row, each met or not."""
    out: dict[str, bool] = {}
    if kind == "full" and (n, steps) in TARGET_FULL_PEER:
        goal = TARGET_FULL_PEER[(n, steps)]
        out[f"≥{goal:.0f}x peer (build+steps)"] = row["rate_total"] / peer_rate >= goal
    if kind == "full" and n == 1_000_000 and steps == 365:
        out["build+365 steps <10 s"] = row["build_s"] + row["steps_s"] < TARGET_1M_SECONDS
        out["peak <1.5 GiB"] = row["peak_bytes"] < TARGET_1M_PEAK
    if kind == "bass" and n >= PEER_TARGET_MIN_SIZE:
        out[f"≥{TARGET_BASS_PEER:.0f}x peer"] = row["rate"] / peer_rate >= TARGET_BASS_PEER
    return out


def _fmt_rate(x: float) -> str:
    return f"{x / 1e6:,.2f} M" if x >= 1e6 else f"{x / 1e3:,.0f} k"


def _environment() -> dict:
    import importlib.metadata as md

    def git(*a: str) -> str | None:
        try:
            return subprocess.run(
                ["git", *a], capture_output=True, text=True, cwd=ROOT, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "packages": {p: md.version(p) for p in ("mesa", "numpy", "networkx", "polars")},
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def parent(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 150)
    if args.quick:
        sizes, repeats, large_repeats = [(10_000, 730), (100_000, args.steps)], 1, 1
    else:
        sizes, repeats = [parse_size(x, args.steps) for x in args.sizes], args.repeats
        large_repeats = args.large_repeats if args.large_repeats is not None else repeats
    workloads = [w for w in args.workloads if w in SCENARIOS]
    if "bass" in workloads and not SCENARIOS["bass"].exists():
        console.print(
            f"[yellow]{SCENARIOS['bass'].relative_to(ROOT)} does not exist: "
            "skipping the Bass reduction.[/yellow]"
        )
        workloads.remove("bass")

    started = datetime.now(UTC)
    plan = [(w, n, k) for w in workloads for n, k in sizes]
    runs: dict[tuple[str, int, int], list[dict]] = {key: [] for key in plan}
    peer_runs: list[dict] = []
    rounds = max(repeats, large_repeats)
    console.print(
        f"{len(plan)} workloads x up to {rounds} repeats; "
        f"peer: virus_on_network, {args.peer_nodes:,} nodes, degree {args.peer_degree:g}, "
        f"{args.peer_steps} steps, measured at the start of every round and at the end"
    )

    def run_peer() -> None:
        peer_runs.append(measure("peer", args.peer_nodes, args.peer_steps, args))
        console.print(f"  peer: {_fmt_rate(peer_runs[-1]['rate'])} agent-steps/s", highlight=False)

    for r in range(rounds):
        run_peer()
        for w, n, k in plan:
            if r >= (large_repeats if n >= 1_000_000 else repeats):
                continue
            res = measure(w, n, k, args)
            res["repeat"] = r
            runs[(w, n, k)].append(res)
            console.print(
                f"  repeat {r + 1}: {w:>4} {n:>9,} x {k}  build {res['build_s']:6.2f} s  "
                f"steps {res['steps_s']:7.2f} s  {_fmt_rate(res['rate']):>9} consumer-steps/s  "
                f"peak {res['peak_bytes'] / MIB:6.0f} MiB",
                highlight=False,
            )
    run_peer()

    peer = summarise(peer_runs)
    peer_rate = peer["rate"]
    rows = []
    for (w, n, k), rs in runs.items():
        row = summarise(rs) | {"workload": w, "consumers": n, "steps": k}
        row["x_peer"] = row["rate"] / peer_rate
        row["x_peer_total"] = row["rate_total"] / peer_rate
        if "rate_warm" in row:
            row["x_peer_warm"] = row["rate_warm"] / peer_rate
        row["targets"] = targets_for(w, n, k, row, peer_rate)
        rows.append(row)

    table = Table(
        title=f"Speed, medians ({started:%Y-%m-%d %H:%M} UTC)",
        caption=(
            f"peer: Mesa virus_on_network, {args.peer_nodes:,} nodes, degree "
            f"{args.peer_degree:g}, {args.peer_steps} steps (its steps s and agent-steps/s); "
            "x peer: consumer-steps/s (steps only) over the peer's median; x peer b+s: "
            "consumer-steps over build + steps time, over the peer's median; warm: the same for "
            "a second model in the same process (kernels loaded)"
        ),
    )
    for col in ("workload", "consumers", "steps", "build s", "steps s", "consumer-steps/s"):
        table.add_column(col, justify="left" if col == "workload" else "right")
    for col in ("x peer", "x peer b+s", "warm b+s", "peak MiB", "target met"):
        table.add_column(col, justify="left" if col == "target met" else "right")
    table.add_row(
        "peer",
        f"{args.peer_nodes:,}",
        f"{args.peer_steps}",
        f"{peer['build_s']:.3f}",
        f"{peer['steps_s']:.3f}",
        _fmt_rate(peer_rate),
        "1.0",
        "",
        "",
        f"{peer['peak_bytes'] / MIB:,.0f}",
        f"{len(peer_runs)} runs, {_fmt_rate(peer['rate_min'])}-{_fmt_rate(peer['rate_max'])}",
    )
    for row in rows:
        met = "\n".join(
            f"{name}: {'[green]yes[/]' if ok else '[red]no[/]'}"
            for name, ok in row["targets"].items()
        )
        table.add_row(
            f"{row['workload']} ({row['repeats']}x)",
            f"{row['consumers']:,}",
            f"{row['steps']}",
            f"{row['build_s']:.2f}",
            f"{row['steps_s']:.2f}",
            _fmt_rate(row["rate"]),
            f"{row['x_peer']:.1f}",
            f"{row['x_peer_total']:.1f}",
            f"{row['x_peer_warm']:.1f}" if "x_peer_warm" in row else "",
            f"{row['peak_bytes'] / MIB:,.0f}",
            met or "—",
        )
    console.print(table)

    all_targets = {
        f"{r['workload']} {r['consumers']:,}: {k}": v for r in rows for k, v in r["targets"].items()
    }
    everything = [run for rs in [*runs.values(), peer_runs] for run in rs]
    warned = sorted({w for run in everything for w in run["warnings"]})
    for w in warned:
        console.print(f"[red]warning in a child: {w}[/red]", highlight=False)
    met = sum(all_targets.values())
    console.print(f"targets met: {met} of {len(all_targets)}", highlight=False)

    report = {
        "started_utc": started.isoformat(),
        "finished_utc": datetime.now(UTC).isoformat(),
        "command": [Path(sys.executable).name, *sys.argv],
        "settings": {
            "steps": args.steps,
            "seed": args.seed,
            "sizes": sizes,
            "repeats": repeats,
            "large_repeats": large_repeats,
            "workloads": workloads,
            "scenarios": {w: str(SCENARIOS[w].relative_to(ROOT)) for w in workloads},
            "peer": {
                "model": "mesa.examples.basic.virus_on_network.model.VirusOnNetwork",
                "num_nodes": args.peer_nodes,
                "avg_node_degree": args.peer_degree,
                "steps": args.peer_steps,
            },
            "peak_memory": "VmHWM of the child (Linux), else ru_maxrss",
        },
        "environment": _environment(),
        "peer": peer,
        "results": rows,
        "targets": all_targets,
        "warnings": warned,
        "runs": {"peer": peer_runs, **{f"{w}/{n}x{k}": rs for (w, n, k), rs in runs.items()}},
    }
    if not args.no_json:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"speed-{started:%Y%m%dT%H%M%SZ}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        console.print(f"wrote {path.relative_to(ROOT)}", highlight=False)
    return 1 if warned else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10k and 100k only, 1 repeat")
    p.add_argument(
        "--sizes",
        nargs="+",
        default=DEFAULT_SIZES,
        help="consumers, or consumers:steps (default: 10000:730 100000 1000000)",
    )
    p.add_argument("--repeats", type=int, default=3, help="repeats per size (median reported)")
    p.add_argument(
        "--large-repeats", type=int, default=None, help="repeats at 1M+ (default: --repeats)"
    )
    p.add_argument("--steps", type=int, default=365, help="steps where a size names none")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workloads", nargs="+", default=["full", "bass"], choices=sorted(SCENARIOS))
    p.add_argument("--peer-nodes", type=int, default=1_000)
    p.add_argument("--peer-degree", type=float, default=3)
    p.add_argument("--peer-steps", type=int, default=100)
    p.add_argument("--timeout", type=float, default=1800, help="seconds per child")
    p.add_argument("--no-json", action="store_true", help="do not write benchmarks/out/*.json")
    # internal: one measurement in a fresh process
    p.add_argument("--child", choices=["peer", *sorted(SCENARIOS)], help=argparse.SUPPRESS)
    p.add_argument("--scenario", help=argparse.SUPPRESS)
    p.add_argument("--consumers", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
    else:
        raise SystemExit(parent(args))


if __name__ == "__main__":
    main()
