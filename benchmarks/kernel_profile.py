"""Where a run's time goes, kernel by kernel: the baseline's steps sampled by Linux `perf`.

    uv run python benchmarks/kernel_profile.py                          # 100k x 300 steps
    uv run python benchmarks/kernel_profile.py --consumers 10000 --runs 8 --steps 650

`perf` names the samples in C libraries and in Python's interpreter but sees numba's kernels as
anonymous JIT code. The child compiles every kernel afresh (into a temporary numba cache, about
25 s) so that each keeps its object code, and writes perf's map of them
(`/tmp/perf-<pid>.map`): the address and size of every function of every kernel's object code,
and numba's runtime's `NRT_incref` and `NRT_decref` (the atomic reference counts of arrays,
which a loop pays on every iteration when it replaces an array or makes a view). The parent
records the child's steps only (build and warm-up excluded) and prints the heaviest symbols and
the share of each library. Needs `perf` (`apt-get install linux-perf`) and `nm` (binutils);
results go to benchmarks/out/kernel_profile.json.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.record import record

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "kernel_profile.json"
RUNTIME = ("NRT_incref", "NRT_decref")


def _functions(object_code: bytes) -> list[tuple[str, int]]:
    """The functions an object file defines, with their sizes in bytes (`nm -S`)."""
    with tempfile.NamedTemporaryFile(suffix=".o") as f:
        f.write(object_code)
        f.flush()
        listed = subprocess.run(
            ["nm", "-S", "--defined-only", f.name], capture_output=True, text=True, check=True
        ).stdout
    out = []
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in ("t", "T"):
            out.append((parts[3], int(parts[1], 16)))
    return out


def _short(symbol: str) -> str:
    """A kernel's readable name from numba's mangled one: `smot._use` for
    `_ZN3sim6engine7moments4smot4_useB3v25...`, `impl_np_concatenate.impl` for numba's own."""
    if not symbol.startswith("_ZN"):
        return symbol
    rest, names = symbol[3:], []
    while rest and rest[0].isdigit():
        digits = len(rest) - len(rest.lstrip("0123456789"))
        size = int(rest[:digits])
        names.append(rest[digits : digits + size])
        rest = rest[digits + size :]
    names = [n for n in names if n not in ("sim", "engine", "moments", "_3clocals_3e")]
    return ".".join(names[-2:]) if names else symbol


def write_map(path: Path) -> int:
    """Write perf's map of every numba function alive in this process to `path`; how many."""
    from numba.core.codegen import CPUCodeLibrary
    from numba.core.runtime import rtsys

    rows: dict[int, tuple[int, str]] = {}
    for library in [o for o in gc.get_objects() if isinstance(o, CPUCodeLibrary)]:
        code = getattr(library, "_compiled_object", None)
        if code is None:  # loaded from a cache: its object code is not kept
            continue
        for name, size in _functions(code):
            address = library.get_pointer_to_function(name)
            if address:
                rows[address] = (size, _short(name))
    for name in RUNTIME:
        rows[rtsys.library.get_pointer_to_function(name)] = (16, name)
    path.write_text("".join(f"{a:x} {s:x} {n}\n" for a, (s, n) in sorted(rows.items())))
    return len(rows)


def child(args: argparse.Namespace) -> None:
    """Build the models, warm the kernels, write the map, then run the steps when told."""
    sys.path.insert(0, str(ROOT))
    from sim import JourneyModel, load_scenario

    spec = load_scenario(ROOT / "scenarios" / "baseline.toml")
    models = [
        JourneyModel(spec, consumers=args.consumers, rng=seed + 1) for seed in range(args.runs)
    ]
    JourneyModel(spec, consumers=500, rng=0).run_for(30)  # every kernel compiled and loaded
    count = write_map(Path(f"/tmp/perf-{os.getpid()}.map"))
    print(f"ready {count}", flush=True)
    sys.stdin.readline()
    t0 = time.perf_counter()
    for model in models:
        model.run_for(args.steps)
    print(f"done {time.perf_counter() - t0:.3f}", flush=True)


def _report(data: Path, key: str, top: int) -> list[tuple[float, str]]:
    """perf's heaviest entries of `data` by `key` (sym or dso): (percent, name)."""
    text = subprocess.run(
        ["perf", "report", "-i", str(data), "--sort", key, "--stdio"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    out = []
    for line in text.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0].endswith("%") and not line.startswith("#"):
            out.append((float(parts[0][:-1]), parts[1].replace("[.] ", "").strip()))
    return out[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=300, help="steps of each run (≤ 730)")
    parser.add_argument("--runs", type=int, default=1, help="runs one after the other")
    parser.add_argument("--frequency", type=int, default=2000, help="samples a second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "NUMBA_CACHE_DIR": scratch}
        argv = [sys.executable, __file__, "--child", "--consumers", str(args.consumers)]
        argv += ["--steps", str(args.steps), "--runs", str(args.runs)]
        print("compiling every kernel afresh (about 25 s) ...", flush=True)
        proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdin is not None and proc.stdout is not None
        mapped = int(proc.stdout.readline().split()[1])
        data = Path(scratch) / "perf.data"
        perf = subprocess.Popen(
            ["perf", "record", "-F", str(args.frequency), "-p", str(proc.pid), "-o", str(data)],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # perf attached
        proc.stdin.write("go\n")
        proc.stdin.flush()
        seconds = float(proc.stdout.readline().split()[1])
        perf.send_signal(signal.SIGINT)
        perf.wait()
        proc.wait()
        symbols = _report(data, "sym", args.top)
        libraries = _report(data, "dso", 8)
        Path(f"/tmp/perf-{proc.pid}.map").unlink(missing_ok=True)
    steps = args.consumers * args.steps * args.runs
    print(
        f"{args.runs} x {args.consumers:,} consumers x {args.steps} steps: {seconds:.2f} s, "
        f"{seconds / steps * 1e9:.1f} ns a consumer-step; {mapped} functions mapped"
    )
    print("by library:")
    for share, name in libraries:
        print(f"  {share:6.2f} %  {'numba kernels (JIT)' if name.startswith('[JIT]') else name}")
    print("by symbol:")
    for share, name in symbols:
        print(f"  {share:6.2f} %  {name}")
    record(
        OUT,
        {
            "consumers": args.consumers,
            "steps": args.steps,
            "runs": args.runs,
            "seconds": seconds,
            "libraries": libraries,
            "symbols": symbols,
        },
    )


if __name__ == "__main__":
    main()
