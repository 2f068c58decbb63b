"""Would keeping a consumer's fields together make the engine's kernels much faster?

    uv run python benchmarks/layout.py                 # 1M consumers, 7 repeats
    uv run python benchmarks/layout.py --consumers 100000

At 100k and 1M consumers the moments' kernels cost several times what they cost on a small
market (the renewal hazard 133 ns a customer inside a run against 34 ns with warm caches,
2026-12-06), which pointed at the layout: every per-consumer quantity is an array of its own,
so a kernel visiting scattered consumers touches a dozen cache lines for each. This benchmark
measures what the other layout, one record per consumer (a numpy structured array), would win,
on two kernels of the engine's shapes with synthetic state (not the engine's code):

* sparse: a renewal-like hazard for a few days' renewals (consumers in increasing order, a few
  hundred apart), reading eleven fields of each: brand, three attitudes and awareness flags,
  satisfaction, tolerance, propensity, a problem flag, price terms; a logistic at the end;
* dense: a fading-like pass over every (consumer, brand): attitude drifts toward a prior and a
  trace fades, reading and writing three fields.

Each is timed with caches evicted first (a step's other passes have run in between), medians
over `--repeats`; both layouts compute the same numbers (checked). Results are printed and go to
benchmarks/out/layout.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

OUT = Path(__file__).resolve().parent / "out"
BRANDS = 3
RECORD = np.dtype(
    [
        ("satisfaction", "f8"), ("tolerance", "f8"), ("propensity", "f8"), ("discount", "f8"),
        ("paid", "f8"), ("sensitivity", "f8"), ("attitude", "f8", BRANDS),
        ("prior", "f8", BRANDS), ("salience", "f4", BRANDS), ("fade", "f4", BRANDS),
        ("aware", "u1", BRANDS), ("brand", "i1"), ("problem", "u1"), ("left", "i2"),
    ],
    align=True,
)  # fmt: skip
"""One consumer's fields together (numba takes no bool inside a record: flags are u1)."""
SCALARS = ("satisfaction", "tolerance", "propensity", "discount", "paid", "sensitivity")


def market(n: int, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Synthetic state as separate arrays, the same state as records, and the due customers."""
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {k: rng.random(n) for k in SCALARS}
    arrays |= {
        "attitude": rng.random((n, BRANDS)),
        "prior": rng.random((n, BRANDS)),
        "salience": rng.random((n, BRANDS)).astype(np.float32),
        "fade": np.full((n, BRANDS), 0.97, dtype=np.float32),
        "aware": (rng.random((n, BRANDS)) < 0.5).astype(np.uint8),
        "brand": rng.integers(0, BRANDS, n).astype(np.int8),
        "problem": (rng.random(n) < 0.1).astype(np.uint8),
        "left": rng.integers(0, 5, n).astype(np.int16),
    }
    records = np.zeros(n, RECORD)
    for name, values in arrays.items():
        records[name] = values
    due = np.sort(rng.choice(n, max(1, 4 * n // 365), replace=False))  # four days' renewals
    return arrays, records, due


@njit(cache=True)
def _hazard_arrays(  # type: ignore[no-untyped-def]
    due, satisfaction, tolerance, propensity, discount, paid, sensitivity, attitude, aware, brand,
    problem, left,
):  # fmt: skip
    out = np.empty(due.shape[0])
    for k in range(due.shape[0]):
        i = due[k]
        b = brand[i]
        best = -1.0
        for r in range(attitude.shape[1]):
            if r != b and aware[i, r] and attitude[i, r] > best:
                best = attitude[i, r]
        x = satisfaction[i] - tolerance[i] + propensity[i] + best - attitude[i, b] + problem[i]
        x += sensitivity[i] * (paid[i] - discount[i] * left[i])
        out[k] = 1.0 / (1.0 + np.exp(-x))
    return out


@njit(cache=True)
def _hazard_records(due, records):  # type: ignore[no-untyped-def]
    out = np.empty(due.shape[0])
    for k in range(due.shape[0]):
        c = records[due[k]]
        b = c.brand
        best = -1.0
        for r in range(c.attitude.shape[0]):
            if r != b and c.aware[r] and c.attitude[r] > best:
                best = c.attitude[r]
        x = c.satisfaction - c.tolerance + c.propensity + best - c.attitude[b] + c.problem
        x += c.sensitivity * (c.paid - c.discount * c.left)
        out[k] = 1.0 / (1.0 + np.exp(-x))
    return out


@njit(cache=True)
def _fade_arrays(attitude, prior, salience, fade):  # type: ignore[no-untyped-def]
    for i in range(attitude.shape[0]):
        for b in range(attitude.shape[1]):
            attitude[i, b] = prior[i, b] + (attitude[i, b] - prior[i, b]) * fade[i, b]
            salience[i, b] *= fade[i, b]


@njit(cache=True)
def _fade_records(records):  # type: ignore[no-untyped-def]
    for i in range(records.shape[0]):
        c = records[i]
        for b in range(c.attitude.shape[0]):
            c.attitude[b] = c.prior[b] + (c.attitude[b] - c.prior[b]) * c.fade[b]
            c.salience[b] *= c.fade[b]


def timed(fn: Callable[[], Any], repeats: int, evict: np.ndarray) -> float:
    """Median seconds of `fn`, caches evicted before each call."""
    times = []
    for _ in range(repeats):
        evict[:] = 1.0
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(n: int, repeats: int) -> dict[str, float]:
    """ns per due customer (sparse) and per consumer (dense), in each layout."""
    a, r, due = market(n)
    hazard_args = (due, *(a[k] for k in SCALARS), a["attitude"], a["aware"], a["brand"])
    hazard_args += (a["problem"], a["left"])
    if not np.allclose(_hazard_arrays(*hazard_args), _hazard_records(due, r)):
        raise SystemExit("the two layouts' hazards differ")
    fade_args = (a["attitude"], a["prior"], a["salience"], a["fade"])
    _fade_arrays(*fade_args)
    _fade_records(r)
    if not np.allclose(a["attitude"], r["attitude"]):
        raise SystemExit("the two layouts' fading differs")
    evict = np.empty(64 * 2**20 // 8)  # 64 MiB, more than the last-level cache
    return {
        "sparse_arrays_ns": timed(lambda: _hazard_arrays(*hazard_args), repeats, evict)
        / due.shape[0]
        * 1e9,
        "sparse_records_ns": timed(lambda: _hazard_records(due, r), repeats, evict)
        / due.shape[0]
        * 1e9,
        "dense_arrays_ns": timed(lambda: _fade_arrays(*fade_args), repeats, evict) / n * 1e9,
        "dense_records_ns": timed(lambda: _fade_records(r), repeats, evict) / n * 1e9,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--consumers", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    figures = measure(args.consumers, args.repeats)
    print(
        f"{args.consumers:,} consumers, record {RECORD.itemsize} bytes, medians of {args.repeats}"
    )
    for kind, per in (("sparse", "due customer"), ("dense", "consumer")):
        arrays, records = figures[f"{kind}_arrays_ns"], figures[f"{kind}_records_ns"]
        print(
            f"  {kind:6}: separate arrays {arrays:6.1f} ns, one record {records:6.1f} ns "
            f"per {per} (records / arrays {records / arrays:.2f})"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    report = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "consumers": args.consumers,
        "repeats": args.repeats,
        "record_bytes": RECORD.itemsize,
        **figures,
    }
    (OUT / "layout.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
