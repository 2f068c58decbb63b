"""Which shape of tolerance can carry a retention curve's tail: a check without simulation.

    uv run python benchmarks/tail_shapes.py

The journey model churns a member at renewal with log-odds `base - slope * tolerance` (and
terms for satisfaction and rivals). With those other terms held still, retention after t
renewals is E[(1 - p)^t] over the spread of tolerance. This script fits that mixture, for a
normal, log-normal and gamma tolerances of several skews, to years 1-4 of Fader & Hardie's
regular cohort (least squares in points, as `journey calibrate` does) and reports the error on
the held-out years 5-7, beside the sBG model fitted by maximum likelihood on the same years.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.stats import gamma, norm

from calibration.observed import cohort_curve, read_observed
from calibration.sbg import fit_sbg

DATA = Path(__file__).resolve().parent.parent / "calibration" / "data" / "fader_hardie_2007.csv"
FIT, HOLD = np.arange(1, 5), np.arange(5, 8)
Q = (np.arange(4_000) + 0.5) / 4_000
Z = norm.ppf(Q)  # standard normal quantiles: the quadrature


def mixture(tolerance: np.ndarray, params: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Retention E[(1 - p)^t] when logit p = a - b * tolerance (tolerance standardised)."""
    a, log_b = params
    p = 1.0 / (1.0 + np.exp(-(a - np.exp(log_b) * tolerance)))
    return np.array([np.mean((1.0 - p) ** t) for t in periods])


def fit(tolerance: np.ndarray, observed: np.ndarray) -> tuple[float, float]:
    """Fit RMSE over years 1-4 and hold-out MAE over years 5-7, in points."""
    t = (tolerance - tolerance.mean()) / tolerance.std()

    def loss(x: np.ndarray) -> float:
        return float(np.mean((mixture(t, x, FIT) - observed[FIT]) ** 2))

    best = minimize(loss, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-14})
    held = mixture(t, best.x, HOLD) - observed[HOLD]
    return 100 * np.sqrt(best.fun), 100 * float(np.mean(np.abs(held)))


def main() -> None:
    curve = cohort_curve(read_observed(DATA), "regular")
    observed = np.array([curve[t] for t in range(8)])
    print(f"{'tolerance':<26}{'fit RMSE':>10}{'hold-out MAE':>14}  (points)")
    shapes = {"normal (logit-normal odds)": Z}
    shapes |= {f"log-normal, sigma {s:.2f}": np.exp(s * Z) for s in (0.25, 0.5, 0.75, 1.0)}
    shapes |= {f"gamma, shape {k:g}": gamma.ppf(Q, k) for k in (0.5, 1.0, 2.0, 4.0)}
    for name, tolerance in shapes.items():
        rmse, mae = fit(tolerance, observed)
        print(f"{name:<26}{rmse:>10.2f}{mae:>14.2f}")
    sbg = fit_sbg(curve, 1, 4)
    held = sbg.survival(HOLD) - observed[HOLD]
    rmse = 100 * np.sqrt(np.mean((sbg.survival(FIT) - observed[FIT]) ** 2))
    print(f"{'sBG (beta odds, MLE)':<26}{rmse:>10.2f}{100 * np.mean(np.abs(held)):>14.2f}")


if __name__ == "__main__":
    main()
