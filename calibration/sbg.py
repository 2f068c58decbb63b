"""The shifted-beta-geometric (sBG) model of contractual retention, the statistical baseline.

Each customer churns at each renewal with a constant chance theta; theta varies across customers
as Beta(alpha, beta). Survival is S(t) = B(alpha, beta + t) / B(alpha, beta) (Fader & Hardie
2007, "How to Project Customer Retention", J. Interactive Marketing 21(1)). Fitted by maximum
likelihood to the same periods as the journey model, it is the bar our forecasts must clear.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln

__all__ = ["SbgFit", "fit_sbg", "survival"]


@dataclass(frozen=True)
class SbgFit:
    alpha: float
    beta: float
    log_likelihood: float

    def survival(self, periods: np.ndarray) -> np.ndarray:
        return survival(self.alpha, self.beta, periods)


def survival(alpha: float, beta: float, periods: np.ndarray) -> np.ndarray:
    """Share of a cohort still active after t renewals."""
    t = np.asarray(periods, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def _log_likelihood(alpha: float, beta: float, periods: np.ndarray, retained: np.ndarray) -> float:
    """Log-likelihood per customer of retention observed at consecutive periods a..b, given the
    share active at a-1 (the first entry): churners in each period, survivors at the end."""
    s = np.log(survival(alpha, beta, periods))
    lost = retained[:-1] - retained[1:]
    churned = np.log(np.exp(s[:-1]) - np.exp(s[1:]))  # P(churn at t) = S(t-1) - S(t)
    return float(np.sum(lost * (churned - s[0])) + retained[-1] * (s[-1] - s[0]))


def fit_sbg(curve: dict[int, float], first: int, last: int) -> SbgFit:
    """Maximum-likelihood (alpha, beta) from retention observed at periods first..last.

    `curve` maps period to share retained and must hold first-1 .. last (period 0 is 1).
    """
    periods = np.arange(first - 1, last + 1)
    retained = np.array([curve[int(t)] for t in periods])

    def negative(log_ab: np.ndarray) -> float:
        return -_log_likelihood(*np.exp(log_ab), periods, retained)

    best = minimize(
        negative,
        x0=np.zeros(2),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000},
    )
    alpha, beta = np.exp(best.x)
    return SbgFit(float(alpha), float(beta), -float(best.fun))
